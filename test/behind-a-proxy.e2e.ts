import { describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { curl } from './support/curl.js';
import { ADMIN_TOKEN } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSite } from './support/suite.js';

/** An upload as it reaches the gateway through a reverse proxy, which names the device's address. */
function uploadThroughProxy(baseUrl: string, device: { login: string; secret: string }, secret: string, forwardedFor: string) {
  return curl(['-u', `${device.login}:${secret}`, '-H', `X-Forwarded-For: ${forwardedFor}`, '--data-binary', '@-', `${baseUrl}/upload`], featureCollection([feature()]));
}

describe('behind a reverse proxy (TRUST_PROXY)', () => {
  const site = fieldSyncSite('sqlite');
  const GUESSER = '203.0.113.7';
  const DEVICE = '198.51.100.20';

  it('counts failed logins by the address the proxy names, so a guesser does not lock out the real device behind the same proxy', async () => {
    const gateway = await site.start({ env: { TRUST_PROXY: '127.0.0.1' } });
    const admin = new AdminClient(gateway.baseUrl);
    await admin.createProject('kruger');
    const device = await admin.createDevice('kruger');
    for (let attempt = 0; attempt < 10; attempt++) expect((await uploadThroughProxy(gateway.baseUrl, device, 'wrong', GUESSER)).status).toBe(401);
    expect((await uploadThroughProxy(gateway.baseUrl, device, device.secret, GUESSER)).status).toBe(429);
    expect((await uploadThroughProxy(gateway.baseUrl, device, device.secret, DEVICE)).status).toBe(202);

    // The audit trail names the person's address, and a sign-in over HTTPS at the proxy gets a Secure cookie.
    await admin.expect(201, 'POST', '/api/v1/people', { login: 'ada', displayName: 'Ada', password: 'a long enough password', siteAdmin: true });
    const signIn = await fetch(`${gateway.baseUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': DEVICE, 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ login: 'ada', password: 'a long enough password' }),
    });
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('set-cookie')).toMatch(/; Secure/);
    const { events } = await admin.expect(200, 'GET', `/api/v1/audit?limit=1000`);
    expect(events.find((event: { action: string }) => event.action === 'session.sign-in')).toMatchObject({ address: DEVICE });
    await gateway.stop();
  });

  it('ignores X-Forwarded-For without TRUST_PROXY: a client cannot name another address to dodge the count', async () => {
    const gateway = await site.start({ env: {} });
    const response = await fetch(`${gateway.baseUrl}/api/v1/projects/kruger/devices`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const device = { ...((await response.json()) as { devices: { login: string }[] }).devices[0], secret: 'unknown' };
    for (let attempt = 0; attempt < 10; attempt++) expect((await uploadThroughProxy(gateway.baseUrl, device, 'wrong', `192.0.2.${attempt + 1}`)).status).toBe(401);
    expect((await uploadThroughProxy(gateway.baseUrl, device, 'wrong', '192.0.2.99')).status).toBe(429);
    await gateway.stop();
  });
});
