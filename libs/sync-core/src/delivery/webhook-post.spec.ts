import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { postJson, signature } from './webhook-post.js';

describe('webhook POST', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256, as the README tells receivers to check', () => {
    const expected = createHmac('sha256', 'the secret').update('1764000000.{"a":1}').digest('hex');
    expect(signature('the secret', '1764000000', '{"a":1}')).toBe(`t=1764000000,v1=${expected}`);
  });

  it('refuses a name that resolves to this machine unless private networks are allowed, and reaches it when they are', async () => {
    const server = createServer((_request, response) => response.writeHead(204).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://localhost:${(server.address() as AddressInfo).port}/hook`);
    try {
      await expect(postJson(url, '{}', {}, { allowPrivate: false, timeoutMs: 2000 })).rejects.toThrow(/private, loopback or link-local.*DELIVERY_ALLOW_PRIVATE_NETWORKS/);
      await expect(postJson(new URL('http://10.1.2.3/hook'), '{}', {}, { allowPrivate: false, timeoutMs: 2000 })).rejects.toThrow(/DELIVERY_ALLOW_PRIVATE_NETWORKS/);
      expect((await postJson(url, '{}', {}, { allowPrivate: true, timeoutMs: 2000 })).status).toBe(204);
    } finally {
      server.close();
    }
  });

  it('gives up on a receiver that never answers, within the time-out', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
      await expect(postJson(url, '{}', {}, { allowPrivate: true, timeoutMs: 600 })).rejects.toThrow(/sent nothing for 0.6 s|no answer within 0.6 s/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
