import { describe, expect, it } from 'vitest';
import { redisProblemInWords } from './redis.js';

describe('redisProblemInWords', () => {
  const failure = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

  it.each([
    [failure('connect ECONNREFUSED 127.0.0.1:6390', 'ECONNREFUSED'), 'connection refused: nothing listens at that address'],
    [failure('getaddrinfo ENOTFOUND redis', 'ENOTFOUND'), 'host name not found'],
    [failure('connect ETIMEDOUT', 'ETIMEDOUT'), 'no answer: the host or the network is down'],
    [failure('WRONGPASS invalid username-password pair or user is disabled.'), 'password refused: check the password in REDIS_URL'],
    [failure("Stream isn't writeable and enableOfflineQueue options is false"), 'not connected'],
    [failure('OOM command not allowed'), 'OOM command not allowed'],
  ])('says %s in words', (error, words) => {
    expect(redisProblemInWords(error)).toBe(words);
  });
});
