import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', () => {
  it('blocks a key after too many failures and frees it when the window passes', () => {
    const throttle = new LoginThrottle(3, 60_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) throttle.recordFailure(['ip:1.2.3.4', 'login:kruger-01'], t0 + i);
    expect(throttle.retryAfterSeconds(['ip:1.2.3.4'], t0 + 10)).toBe(60);
    expect(throttle.retryAfterSeconds(['ip:5.6.7.8'], t0 + 10)).toBe(0);
    expect(throttle.retryAfterSeconds(['ip:1.2.3.4'], t0 + 60_001)).toBe(0);
  });

  it('forgets failures after a success', () => {
    const throttle = new LoginThrottle(2, 60_000);
    throttle.recordFailure(['login:a'], 1);
    throttle.recordSuccess(['login:a']);
    throttle.recordFailure(['login:a'], 2);
    expect(throttle.retryAfterSeconds(['login:a'], 3)).toBe(0);
  });
});
