import { describe, expect, it } from 'vitest';
import { storeTrouble } from './store-trouble.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('storeTrouble', () => {
  it('tells a full disk from an unreachable database', () => {
    expect(storeTrouble(withCode('SQLITE_FULL'))).toBe('full');
    expect(storeTrouble({ driverError: withCode('53100') })).toBe('full');
    expect(storeTrouble(withCode('ECONNREFUSED'))).toBe('unavailable');
    expect(storeTrouble({ driverError: withCode('57P01') })).toBe('unavailable');
    expect(storeTrouble(withCode('08006'))).toBe('unavailable');
    expect(storeTrouble(withCode('SQLITE_BUSY_SNAPSHOT'))).toBe('unavailable');
    expect(storeTrouble(new Error('Connection terminated unexpectedly'))).toBe('unavailable');
  });

  it('leaves faults in the data and in the code alone', () => {
    expect(storeTrouble(withCode('23505'))).toBeNull(); // unique violation
    expect(storeTrouble(withCode('22P02'))).toBeNull(); // invalid text representation
    expect(storeTrouble(withCode('SQLITE_CONSTRAINT_UNIQUE'))).toBeNull();
    expect(storeTrouble(new TypeError('x is undefined'))).toBeNull();
    expect(storeTrouble(undefined)).toBeNull();
  });
});
