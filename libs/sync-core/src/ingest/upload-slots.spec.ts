import { describe, expect, it } from 'vitest';
import { UploadSlots } from './upload-slots.js';

describe('UploadSlots', () => {
  it('gives each device its own slots, and a slot back once, however often it is released', () => {
    const slots = new UploadSlots(2);
    const first = slots.take('a')!;
    const second = slots.take('a')!;
    expect(slots.take('a')).toBeNull();
    expect(slots.take('b')).not.toBeNull();
    first();
    first();
    expect(slots.take('a')).not.toBeNull();
    expect(slots.take('a')).toBeNull();
    second();
    expect(slots.take('a')).not.toBeNull();
  });
});
