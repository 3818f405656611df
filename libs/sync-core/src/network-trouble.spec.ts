import { describe, expect, it } from 'vitest';
import { networkTrouble } from './network-trouble.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('networkTrouble', () => {
  it('names the usual failures to reach another machine', () => {
    expect(networkTrouble(withCode('ENOTFOUND'))).toBe('host not found');
    expect(networkTrouble(withCode('ECONNREFUSED'))).toBe('connection refused');
    expect(networkTrouble(withCode('UND_ERR_CONNECT_TIMEOUT'))).toBe('no answer');
    expect(networkTrouble(new Error('Timeout (control socket)'))).toBe('no answer');
    expect(networkTrouble(withCode('DEPTH_ZERO_SELF_SIGNED_CERT'))).toBe('TLS certificate not trusted');
    expect(networkTrouble(withCode('ERR_SSL_WRONG_VERSION_NUMBER', 'ssl3_get_record:wrong version number'))).toBe('plain answer to TLS');
    expect(networkTrouble(withCode('UND_ERR_SOCKET', 'other side closed'))).toBe('closed at once');
  });

  it('leaves everything else to the caller', () => {
    expect(networkTrouble(withCode('EACCES'))).toBeNull();
    expect(networkTrouble(new Error('550 No such file'))).toBeNull();
    expect(networkTrouble(undefined)).toBeNull();
  });
});
