import { deflateSync } from 'node:zlib';
import type { Request } from 'express';
import QRCode from 'qrcode';
import type { Device, FieldSyncConfig, Project } from '@fieldsync/sync-core';
import { publicBase, unreachableAddressWarning } from '../public-address.js';

/**
 * What an administrator types (or scans) into each client to point it at this device, shown
 * with the secret, the only time it is known. The device URL carries the secret, so clients
 * that cannot answer a login prompt (ODK Collect over plain HTTP offers only Digest) need none;
 * rotating the secret revokes it. Over plain HTTP that secret travels in clear: use HTTPS.
 */
export async function deviceSetup(request: Request, config: FieldSyncConfig, project: Project, device: Device, secret: string) {
  const base = publicBase(request, config);
  // Where devices could not reach the address, nothing is encoded for them to scan: the warning says what to do.
  const addressWarning = unreachableAddressWarning(request, config);
  const deviceUrl = `${base}/key/${encodeURIComponent(secret)}`;
  // ODK Collect's settings QR code: the settings JSON, zlib-compressed, in base64 (as ODK Central makes it).
  const collectSettings = deflateSync(
    JSON.stringify({
      general: { server_url: deviceUrl, form_update_mode: 'match_exactly', autosend: 'wifi_and_cellular' },
      admin: {},
      project: { name: `${project.name} · ${device.name}`.slice(0, 100) },
    }),
  ).toString('base64');
  const ftpHost = config.ftp.publicHost !== '127.0.0.1' ? config.ftp.publicHost : config.publicUrl ? new URL(config.publicUrl).hostname : request.hostname || '127.0.0.1';
  const httpUrl = `${base}/upload`;
  const ftpUrl = `ftp://${ftpHost}:${config.ftp.port}/CTData`;
  const qr = (text: string) => (addressWarning ? Promise.resolve(null) : QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'L' }));
  return {
    addressWarning,
    deviceUrl,
    odkCollect: { serverUrl: deviceUrl, settingsQrText: collectSettings, settingsQrSvg: await qr(collectSettings) },
    // CyberTracker's connection settings take a URL that can be scanned in; the login and secret are typed.
    cyberTracker: {
      http: { url: httpUrl, username: device.login, password: secret, qrSvg: await qr(httpUrl) },
      ftp: { url: ftpUrl, username: device.login, password: secret, qrSvg: await qr(ftpUrl) },
      odkConnector: { submissionUrl: `${deviceUrl}/submission` },
      earthRangerConnector: { server: base, token: secret },
    },
  };
}
