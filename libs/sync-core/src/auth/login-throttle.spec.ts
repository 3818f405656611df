import { describe, expect, it } from 'vitest';
import { MemoryFailureCounts } from './failure-counts.js';
import { LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', () => {
  it('blocks a key after too many failures and frees it when the window passes', async () => {
    const throttle = new LoginThrottle('test', 3, 60_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) await throttle.recordFailure(['ip:1.2.3.4', 'login:kruger-01'], t0 + i);
    expect(await throttle.retryAfterSeconds(['ip:1.2.3.4'], t0 + 10)).toBe(60);
    expect(await throttle.retryAfterSeconds(['ip:5.6.7.8'], t0 + 10)).toBe(0);
    expect(await throttle.retryAfterSeconds(['ip:1.2.3.4'], t0 + 60_001)).toBe(0);
  });

  it('forgets failures after a success', async () => {
    const throttle = new LoginThrottle('test', 2, 60_000);
    await throttle.recordFailure(['login:a'], 1);
    await throttle.recordSuccess(['login:a']);
    await throttle.recordFailure(['login:a'], 2);
    expect(await throttle.retryAfterSeconds(['login:a'], 3)).toBe(0);
  });

  it('forgets a login with every address it was counted at (an administrator lifting a lock-out)', async () => {
    const counts = new MemoryFailureCounts();
    const throttle = new LoginThrottle('test', 1, 60_000, counts);
    await throttle.recordFailure(['kruger-01\n10.0.0.1', 'kruger-01\n10.0.0.2', 'kruger-02\n10.0.0.1'], 1);
    await throttle.forget('kruger-01');
    expect(await throttle.retryAfterSeconds(['kruger-01\n10.0.0.1', 'kruger-01\n10.0.0.2'], 2)).toBe(0);
    expect(await throttle.retryAfterSeconds(['kruger-02\n10.0.0.1'], 2)).toBeGreaterThan(0);
  });
});
