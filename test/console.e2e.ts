import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, png, screenshot, seriousAccessibilityViolations } from './support/browser.js';
import { curl, uploadAsDevice } from './support/curl.js';
import { sha256 } from './support/digest.js';
import { feature, featureCollection } from './support/geojson.js';
import { StoreKind } from './support/fieldsync-process.js';
import { fieldSyncSuite } from './support/suite.js';

const PASSWORD = 'a long enough password';
const PHOTO = png(64, [200, 120, 40]);

/** Four sightings and two waypoints, one sighting with a photo, as CyberTracker sends them over HTTP. */
function httpUpload(): Buffer {
  const withPhoto = feature({ id: 'photo-lion', species: 'Lion', latitude: -24.99, longitude: 31.59 });
  (withPhoto.properties.sighting as Record<string, unknown>).Photo = PHOTO.toString('base64');
  return featureCollection([
    withPhoto,
    feature({ species: 'Leopard', latitude: -24.7, longitude: 31.4 }),
    feature({ species: 'Cheetah', latitude: -25.1, longitude: 31.8, dateTime: '2026-03-05T09:00:00+02:00' }),
    feature({ waypoint: true, latitude: -24.9, longitude: 31.6 }),
    feature({ waypoint: true, latitude: -24.95, longitude: 31.65 }),
  ]);
}

/** Two more sightings as a CSV file, sent over FTP. */
const FTP_CSV = [
  'id,deviceId,dateTime,latitude,longitude,Species,Count',
  'ftp-1,ranger-7,2026-03-02T07:00:00+02:00,-24.8,31.7,Wild dog,6',
  'ftp-2,ranger-7,2026-03-02T07:30:00+02:00,-24.85,31.75,Hyena,2',
].join('\r\n');

/** A tab of the project's navigation. */
const tab = (on: Page, name: string) => on.getByRole('navigation', { name: 'Project' }).getByRole('link', { name, exact: true }).click();

describe.each<StoreKind>(['sqlite', 'postgres'])('The console in Chromium, against FieldSync on %s', (kind) => {
  const suite = fieldSyncSuite(kind);
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-console-'));
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  let device: { login: string; secret: string };
  const slug = 'kruger-carnivores';
  const goTo = async (hash: string, heading: string) => {
    await page.goto(`${suite.server.baseUrl}/#${hash}`);
    await page.getByRole('heading', { name: heading, exact: true, level: 1 }).waitFor();
  };

  beforeAll(async () => {
    browser = await launchChromium();
    await suite.admin.expect(201, 'POST', '/api/v1/people', { login: 'ada', displayName: 'Ada Admin', password: PASSWORD, siteAdmin: true });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function signIn(target: Page, login: string) {
    await target.goto(`${suite.server.baseUrl}/`);
    await target.getByLabel('Login').fill(login);
    await target.getByLabel('Password').fill(PASSWORD);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  }

  it('signs a person in, with a wrong password answered in words', async () => {
    await page.goto(`${suite.server.baseUrl}/`);
    await page.getByLabel('Login').fill('ada');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('login or password is wrong');
    await screenshot(page, kind, 'sign-in');
    await signIn(page, 'ada');
  });

  it('asks a person signing in with a one-time password to choose their own, once', async () => {
    const { oneTimePassword } = await suite.admin.expect(201, 'POST', '/api/v1/people', { login: 'olga', displayName: 'Olga New' });
    const visitor = await context.browser()!.newContext({ viewport: { width: 1280, height: 900 } });
    const fresh = await visitor.newPage();
    await fresh.goto(`${suite.server.baseUrl}/`);
    await fresh.getByLabel('Login').fill('olga');
    await fresh.getByLabel('Password', { exact: true }).fill(oneTimePassword);
    await fresh.getByRole('button', { name: 'Sign in' }).click();
    expect(await fresh.getByRole('alert').textContent()).toContain('for one sign-in');
    await fresh.getByLabel('Your new password').fill('olga chose this one');
    await screenshot(fresh, kind, 'sign-in-one-time-password');
    await fresh.getByRole('button', { name: 'Change password and sign in' }).click();
    await fresh.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await visitor.close();
    const again = (password: string) =>
      fetch(`${suite.server.baseUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'olga', password }) });
    expect((await again(oneTimePassword)).status).toBe(401);
    expect((await again('olga chose this one')).status).toBe(200);
  });

  it('creates a project, then a device whose secret and settings (with QR codes) are shown once', async () => {
    await page.getByLabel('Project name').fill('Kruger carnivores');
    expect(await page.getByLabel('Short name in addresses (slug)').inputValue()).toBe(slug);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Kruger carnivores', level: 1 }).waitFor();

    await tab(page, 'Devices');
    await page.getByLabel('Device name').fill('Ranger 7 handheld');
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.getByRole('heading', { name: 'Settings for Ranger 7 handheld' }).waitFor();
    device = { login: await page.getByLabel('Login', { exact: true }).inputValue(), secret: await page.getByLabel('Secret', { exact: true }).inputValue() };
    expect(device.login).toMatch(new RegExp(`^${slug}-`));
    expect(await page.getByLabel('CyberTracker HTTP URL', { exact: true }).inputValue()).toBe(`${suite.server.baseUrl}/upload`);
    for (const qr of ['ODK Collect settings QR code', 'CyberTracker HTTP URL QR code', 'CyberTracker FTP URL QR code']) {
      expect(await page.getByLabel(qr).locator('svg').count()).toBe(1);
    }
    await screenshot(page, kind, 'device-settings');
    await page.getByRole('button', { name: 'Done, I have copied them' }).click();
    expect(await page.getByLabel('Secret', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('cell', { name: 'Ranger 7 handheld', exact: true }).count()).toBe(1);
  });

  it('shows batches as curl sends them over HTTP and FTP, live, without a reload', async () => {
    await tab(page, 'Batches');
    await page.getByText('Live: new batches appear here by themselves.').waitFor();
    await page.evaluate('window.notReloaded = true');

    const http = await curl(['-u', `${device.login}:${device.secret}`, '-T', '-', `${suite.server.baseUrl}/upload/lions.geojson`], httpUpload());
    expect(http.status).toBe(202);
    writeFileSync(join(work, 'dogs.csv'), FTP_CSV);
    const ftp = await curl(['-T', join(work, 'dogs.csv'), '--user', `${device.login}:${device.secret}`, `ftp://127.0.0.1:${suite.server.ftpPort}/CTData/dogs.csv`]);
    expect(ftp.exitCode).toBe(0);

    for (const file of ['lions.geojson', 'dogs.csv']) {
      await page.getByRole('row').filter({ hasText: file }).filter({ hasText: 'merged' }).waitFor({ timeout: 30_000 });
    }
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    const lions = page.getByRole('row').filter({ hasText: 'lions.geojson' });
    expect(await lions.getByRole('cell').allTextContents()).toEqual(expect.arrayContaining(['http', 'Ranger 7 handheld', 'lions.geojson', 'merged', '5']));
    expect(await page.getByRole('row').filter({ hasText: 'dogs.csv' }).getByRole('cell', { name: 'ftp', exact: true }).count()).toBe(1);
    await screenshot(page, kind, 'batches');
  });

  it('shows every sighting in the table and on the map, and opens a photo', async () => {
    const all = await suite.admin.allSightings(slug);
    expect(all).toHaveLength(7);
    await tab(page, 'Sightings');
    const table = page.getByRole('table', { name: 'Sightings' });
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(7);
    expect(await table.getByRole('cell', { name: 'Wild dog' }).count()).toBe(1);
    // The photo field names its file, and downloads it.
    const [download] = await Promise.all([page.waitForEvent('download'), table.getByRole('link', { name: 'Photo.png', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe('Photo.png');
    expect(sha256(readFileSync((await download.path())!))).toBe(sha256(PHOTO));
    await screenshot(page, kind, 'sightings');

    await tab(page, 'Map');
    // What the server sent, and what MapLibre drew on the canvas: every sighting, in clusters.
    const status = page.locator('[data-total]');
    await expect.poll(async () => [await status.getAttribute('data-total'), await status.getAttribute('data-drawn')], { timeout: 30_000 }).toEqual(['7', '7']);
    expect(await page.getByRole('status').filter({ hasText: 'sightings in view' }).textContent()).toContain('7 sightings in view');
    await screenshot(page, kind, 'map');

    await tab(page, 'Sightings');
    await page.getByLabel('Text').fill('photo-lion');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.getByRole('status').filter({ hasText: 'Sightings 1–1,' }).waitFor();
    // The row's first link is its time, which opens the sighting.
    await page.locator('tbody tr').first().getByRole('link').first().click();
    const photo = page.getByRole('img', { name: 'Photo Photo.png' });
    await photo.waitFor();
    expect(await page.getByRole('definition').getByRole('link', { name: 'Photo.png', exact: true }).getAttribute('href')).toBe(`/api/v1/projects/${slug}/attachments/${sha256(PHOTO)}`);
    await expect.poll(() => photo.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBe(64);
    await screenshot(page, kind, 'sighting-detail');
  });

  it("draws the map from the whole world's clusters at once, before the view's own answer comes", async () => {
    // The view's request (it names the bounds) is held, as a slow grouping of a large project would be.
    const held: Route[] = [];
    const isViewRequest = (url: URL) => url.pathname.endsWith('/sightings/map') && url.searchParams.has('west');
    await page.route(isViewRequest, (route) => void held.push(route));
    try {
      await goTo(`/projects/${slug}/map`, 'Map');
      const status = page.locator('[data-total]');
      await expect.poll(async () => [await status.getAttribute('data-total'), await status.getAttribute('data-drawn')], { timeout: 30_000 }).toEqual(['7', '7']);
      expect(held.length).toBeGreaterThan(0);
      await screenshot(page, kind, 'map-first-view');
    } finally {
      // A held request the page has since given up on (the map moved) cannot be continued.
      for (const route of held) await route.continue().catch(() => undefined);
      await page.unroute(isViewRequest);
    }
  });

  it('narrows the table, the map and the CSV download alike with one filter', async () => {
    await goTo(`/projects/${slug}/sightings`, 'Sightings');
    await page.getByLabel('Kind').selectOption('waypoint');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.getByRole('status').filter({ hasText: 'Sightings 1–2' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(2);

    await tab(page, 'Map');
    const status = page.locator('[data-total]');
    await expect.poll(async () => [await status.getAttribute('data-total'), await status.getAttribute('data-drawn')], { timeout: 30_000 }).toEqual(['2', '2']);

    await tab(page, 'Downloads');
    expect(await page.getByLabel('Download command', { exact: true }).inputValue()).toBe(
      `fieldsync download --from ${suite.server.baseUrl} --project ${slug} --out ${slug}-sightings.csv --kind waypoint`,
    );
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV', exact: true }).click()]);
    const fromPage = readFileSync((await download.path())!, 'utf8');
    const fromApi = await suite.admin.call('GET', `/api/v1/projects/${slug}/sightings?format=csv&kind=waypoint`);
    expect(fromPage).toBe(fromApi.body);
    expect(fromPage.trim().split('\n')).toHaveLength(3);
    // The spreadsheet a person opens in Excel: the same two rows, a workbook (a zip) by its first bytes.
    const [workbook] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download Excel' }).click()]);
    expect(workbook.suggestedFilename()).toBe(`${slug}-sightings.xlsx`);
    expect(
      readFileSync((await workbook.path())!)
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
    await screenshot(page, kind, 'downloads');
  });

  it('takes a blank form for ODK Collect and lists its versions', async () => {
    const form = readFileSync(join(import.meta.dirname, 'fixtures', 'odk', 'simple.form.xml'), 'utf8');
    for (const version of ['2026-01', '2026-02']) {
      writeFileSync(join(work, 'simple.xml'), form.replace('<data id="simple">', `<data id="simple" version="${version}">`));
      await goTo(`/projects/${slug}/forms`, 'Forms');
      await page.getByLabel(/XForm file/).setInputFiles(join(work, 'simple.xml'));
      await page.getByRole('button', { name: 'Upload form' }).click();
      await page.getByRole('cell', { name: version, exact: true }).waitFor();
    }
    const row = page.getByRole('row').filter({ hasText: 'Simple' });
    expect(await row.getByRole('cell').nth(5).textContent()).toMatch(/^2026-01 \(.+\), 2026-02 \(.+\)$/);
    await screenshot(page, kind, 'forms');
  });

  it('shows a viewer no "Add device" and no site pages', async () => {
    const vera = await suite.admin.expect(201, 'POST', '/api/v1/people', { login: 'vera', displayName: 'Vera Viewer', password: PASSWORD });
    await suite.admin.expect(200, 'PUT', `/api/v1/people/${vera.id}/projects/${slug}`, { role: 'viewer' });
    const viewerContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const viewer = await viewerContext.newPage();
    await signIn(viewer, 'vera');
    expect(await viewer.getByRole('link', { name: 'People' }).count()).toBe(0);
    await viewer.getByRole('link', { name: 'Kruger carnivores' }).click();
    await tab(viewer, 'Devices');
    await viewer.getByRole('cell', { name: 'Ranger 7 handheld', exact: true }).waitFor();
    expect(await viewer.getByRole('button', { name: 'Add device' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: /Disable/ }).count()).toBe(0);
    await screenshot(viewer, kind, 'viewer-devices-phone');
    await viewerContext.close();
  });

  it("shows the audit trail with each event's project, its columns in view", async () => {
    await goTo('/audit', 'Audit trail');
    const table = page.getByRole('table', { name: 'Audit trail' });
    const photo = table.getByRole('row').filter({ hasText: 'GET /api/v1/projects/:slug/attachments/:sha256' }).first();
    await photo.waitFor();
    const cells = await photo.getByRole('cell').allTextContents();
    expect(cells.slice(4)).toEqual([slug, `sha256=${sha256(PHOTO)}`, '']);
    // Long hashes wrap instead of pushing the last columns out of the window.
    const region = page.getByRole('region', { name: 'Audit trail (scrolls sideways)' });
    expect(await region.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
  });

  it('has no serious accessibility violations on any page, and raised no script error', async () => {
    const pages: [string, string][] = [
      ['/', 'Projects'],
      [`/projects/${slug}`, 'Kruger carnivores'],
      [`/projects/${slug}/devices`, 'Devices'],
      [`/projects/${slug}/batches`, 'Batches'],
      [`/projects/${slug}/sightings`, 'Sightings'],
      [`/projects/${slug}/map`, 'Map'],
      [`/projects/${slug}/downloads`, 'Downloads'],
      [`/projects/${slug}/sources`, 'Download settings'],
      [`/projects/${slug}/forms`, 'Forms'],
      [`/projects/${slug}/subscriptions`, 'Subscriptions'],
      ['/people', 'People'],
      ['/tokens', 'Tokens'],
      ['/audit', 'Audit trail'],
      ['/me', 'Ada Admin'],
    ];
    const found: Record<string, unknown> = {};
    for (const [hash, heading] of pages) {
      await goTo(hash, heading);
      await page.waitForLoadState('networkidle').catch(() => undefined);
      const violations = await seriousAccessibilityViolations(page);
      if (violations.length > 0) found[hash] = violations;
      await screenshot(page, kind, `page-${hash.replace(/\W+/g, '-').replace(/^-|-$/g, '') || 'projects'}`);
    }
    expect(found).toEqual({});
    expect(pageErrors).toEqual([]);
  });
  it("shows a project's uploads per day with their days and counts, and what deleting it would remove", async () => {
    const overview = await suite.admin.expect<{ sightings: number; devices: number; uploadsPerDay: { day: string; batches: number }[] }>(200, 'GET', `/api/v1/projects/${slug}/overview`);
    await goTo(`/projects/${slug}`, 'Kruger carnivores');
    const busiest = Math.max(...overview.uploadsPerDay.map((day) => day.batches));
    const chart = page.getByRole('img', { name: /^Uploads per day/ });
    expect(await chart.locator('title').last().textContent()).toMatch(new RegExp(`: ${overview.uploadsPerDay.at(-1)!.batches} batch(es)?$`));
    await page.getByText(`busiest day ${busiest} batch${busiest === 1 ? '' : 'es'}`).waitFor();
    expect(overview.devices).toBe(1);
    await page.getByText(`This removes its ${overview.sightings} sightings, 1 device, every batch and file`).waitFor();
  });

  it('deletes a project only once its slug is typed again, and a viewer is not offered it', async () => {
    await suite.admin.createProject('scratch');
    await goTo('/projects/scratch', 'Project scratch');
    const remove = page.getByRole('button', { name: 'Delete project for good' });
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel('Type scratch to confirm').fill('scratc');
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel('Type scratch to confirm').fill('scratch');
    await screenshot(page, kind, 'delete-project');
    await remove.click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await expect.poll(async () => (await suite.admin.call('GET', '/api/v1/projects/scratch/overview')).status).toBe(404);
    expect(await page.getByRole('link', { name: 'Project scratch' }).count()).toBe(0);

    const viewerContext = await browser.newContext();
    const viewer = await viewerContext.newPage();
    await signIn(viewer, 'vera');
    await viewer.getByRole('link', { name: 'Kruger carnivores' }).click();
    await viewer.getByRole('heading', { name: 'Kruger carnivores', level: 1 }).waitFor();
    expect(await viewer.getByRole('button', { name: 'Delete project for good' }).count()).toBe(0);
    await viewerContext.close();
  });

  it('shows a device locked out by wrong secrets, and lifts the lock-out', async () => {
    await suite.admin.createProject('lockout');
    const ranger = await suite.admin.createDevice('lockout', 'Ranger 9');
    const send = (secret: string) => uploadAsDevice(suite.server.baseUrl, { login: ranger.login, secret }, featureCollection([feature()]));
    for (let i = 0; i < 10; i++) expect((await send(`typed wrong ${i}`)).status).toBe(401);
    expect((await send(ranger.secret)).status).toBe(429);
    await goTo('/projects/lockout/devices', 'Devices');
    const row = page.getByRole('row').filter({ hasText: 'Ranger 9' });
    await row.getByText('10 wrong secrets in the last 15 minutes').waitFor();
    await screenshot(page, kind, 'device-locked-out');
    await row.getByRole('button', { name: 'Lift lock-out of Ranger 9' }).click();
    await expect.poll(() => row.getByRole('button', { name: 'Lift lock-out of Ranger 9' }).count()).toBe(0);
    expect((await send(ranger.secret)).status).toBe(202);
  });

  it("lists a sighting's revisions, newest first, each with what it changed", async () => {
    await suite.admin.createProject('revisions');
    const ranger = await suite.admin.createDevice('revisions');
    const first = feature({ id: 'edited-lion', species: 'Lion', count: 1, latitude: -24.5, longitude: 31.5 });
    const second = feature({ id: 'edited-lion', species: 'Lion', count: 3, latitude: -24.5, longitude: 31.5 });
    for (const version of [first, second]) {
      const sent = await uploadAsDevice(suite.server.baseUrl, ranger, featureCollection([version]));
      await suite.admin.settled(sent.body.batches[0].id);
    }
    await page.goto(`${suite.server.baseUrl}/#/projects/revisions/sightings/edited-lion`);
    const revisions = page.getByRole('table', { name: 'Revisions' });
    await revisions.waitFor();
    const rows = revisions.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getByRole('cell').first().textContent()).toBe('2 (current)');
    expect(await rows.nth(0).getByRole('listitem').allTextContents()).toEqual(['Count: 1 → 3']);
    expect(await rows.nth(1).getByRole('cell').last().textContent()).toBe('first received');
    await screenshot(page, kind, 'revisions');
  });
});

describe('device settings when no device can reach the address the console is open at', () => {
  const suite = fieldSyncSuite('sqlite', { env: { PUBLIC_URL: '' } });
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    await suite.admin.expect(201, 'POST', '/api/v1/people', { login: 'ada', displayName: 'Ada Admin', password: PASSWORD, siteAdmin: true });
    await suite.admin.createProject('loopback');
  });

  afterAll(async () => browser?.close());

  it('says so above the settings, with what to do, and encodes no QR code', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    // As the README says to open it: at localhost.
    const console = `http://localhost:${suite.server.port}`;
    await page.goto(`${console}/`);
    await page.getByLabel('Login').fill('ada');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.goto(`${console}/#/projects/loopback/devices`);
    await page.getByLabel('Device name').fill('Ranger 1 handheld');
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.getByRole('heading', { name: 'Settings for Ranger 1 handheld' }).waitFor();
    const warning = await page.getByRole('alert').textContent();
    expect(warning).toContain('This console is open at localhost');
    expect(warning).toContain('PUBLIC_URL');
    expect(await page.getByLabel('ODK Collect settings QR code').count()).toBe(0);
    expect(await page.getByLabel('CyberTracker HTTP URL QR code').count()).toBe(0);
    await screenshot(page, 'sqlite', 'device-settings-at-localhost');
  });
});

describe('PUBLIC_URL in every address FieldSync hands out', () => {
  const suite = fieldSyncSuite('sqlite', { env: { PUBLIC_URL: 'https://fieldsync.example.org/sync/', FTP_PUBLIC_HOST: 'ftp.example.org' } });

  it('puts it in device settings, QR codes and the OpenRosa form list, whatever address the request came by', async () => {
    await suite.admin.createProject('public');
    const device = await suite.admin.createDevice('public');
    expect(device.setup.addressWarning).toBeNull();
    expect(device.setup.deviceUrl).toBe(`https://fieldsync.example.org/sync/key/${device.secret}`);
    expect(device.setup.cyberTracker.http.url).toBe('https://fieldsync.example.org/sync/upload');
    expect(device.setup.cyberTracker.ftp.url).toBe(`ftp://ftp.example.org:${suite.server.ftpPort}/CTData`);
    expect(device.setup.cyberTracker.http.qrSvg).toMatch(/^<svg/);
    const form = join(mkdtempSync(join(tmpdir(), 'fieldsync-public-')), 'form.xml');
    writeFileSync(form, readFileSync(join(import.meta.dirname, 'fixtures', 'odk', 'binaryType.form.xml')));
    expect((await curl(['-H', `Authorization: Bearer ${suite.admin.token}`, '-F', `form=@${form};type=text/xml`, `${suite.server.baseUrl}/api/v1/projects/public/forms`])).status).toBe(201);
    const list = await curl(['-u', `${device.login}:${device.secret}`, `${suite.server.baseUrl}/formList`]);
    expect(String(list.body)).toContain('<downloadUrl>https://fieldsync.example.org/sync/forms/binaryType.xml</downloadUrl>');
  });
});
