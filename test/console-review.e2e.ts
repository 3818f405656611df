import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, seriousAccessibilityViolations } from './support/browser.js';
import { uploadAsDevice } from './support/curl.js';
import { feature, featureCollection } from './support/geojson.js';
import { StoreKind } from './support/fieldsync-process.js';
import { fieldSyncSuite } from './support/suite.js';

const PASSWORD = 'a long enough password';
const SPECIES = ['Lion', 'Lion', 'Lion', 'Leopard', 'Leopard', 'Impala'];
const tab = (on: Page, name: string) => on.getByRole('navigation', { name: 'Project' }).getByRole('link', { name, exact: true }).click();

describe.each<StoreKind>(['sqlite', 'postgres'])('The data manager’s desk in Chromium, on %s', (kind) => {
  const suite = fieldSyncSuite(kind);
  const slug = 'desk';
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    await suite.admin.createProject(slug);
    for (const [login, displayName, role] of [
      ['mara', 'Mara Manager', 'manager'],
      ['vic', 'Vic Viewer', 'viewer'],
    ] as const) {
      const person = await suite.admin.expect(201, 'POST', '/api/v1/people', { login, displayName, password: PASSWORD });
      await suite.admin.expect(200, 'PUT', `/api/v1/people/${person.id}/projects/${slug}`, { role });
    }
    const device = await suite.admin.createDevice(slug, 'Ranger 2');
    const features = SPECIES.map((species, index) => feature({ species, dateTime: `2026-0${1 + (index % 2)}-1${index}T08:00:00+02:00`, latitude: -24.5 - index / 100, longitude: 31.5 + index / 100 }));
    const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection(features));
    await suite.admin.settled((answer.body as any).batches[0].id);
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function signedIn(login: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${suite.server.baseUrl}/`);
    await page.getByLabel('Login').fill(login);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.goto(`${suite.server.baseUrl}/#/projects/${slug}/sightings`);
    await page.getByRole('table', { name: 'Sightings' }).waitFor();
    return page;
  }

  it('a manager approves three rows from the table, then corrects a species and sees who changed what', async () => {
    const page = await signedIn('mara');
    const table = page.getByRole('table', { name: 'Sightings' });
    const boxes = table.getByRole('checkbox');
    for (let index = 0; index < 3; index++) await boxes.nth(index).check();
    await page.getByRole('group', { name: 'Review 3 selected' }).getByRole('button', { name: 'Approve' }).click();
    await table.getByText('Approved', { exact: true }).nth(2).waitFor();
    expect(await table.getByText('Approved', { exact: true }).count()).toBe(3);
    const approved = await suite.admin.allSightings(slug, '&review=approved');
    expect(approved).toHaveLength(3);
    await screenshot(page, kind, 'review-approved-rows');

    // The first Impala row: corrected to a Leopard, with the reason.
    const impala = (await suite.admin.allSightings(slug)).find((row) => row.data.Species === 'Impala');
    await page.goto(`${suite.server.baseUrl}/#/projects/${slug}/sightings/${encodeURIComponent(impala.id)}`);
    const form = page.getByRole('region', { name: 'Correct this sighting' });
    await form.getByLabel('Species', { exact: true }).fill('Leopard');
    await form.getByLabel('Reason for the correction').fill('the photo shows a leopard');
    await form.getByRole('button', { name: 'Save correction' }).click();
    const history = page.getByRole('table', { name: 'Revisions' });
    await history.getByRole('cell', { name: 'Mara Manager (correction: the photo shows a leopard)' }).waitFor();
    expect(await history.getByRole('cell', { name: 'the device', exact: true }).count()).toBe(1);
    expect(await history.textContent()).toContain('Species');
    expect(await page.getByText('Edited since review').count()).toBeGreaterThan(0);
    const stored = await suite.admin.expect(200, 'GET', `/api/v1/projects/${slug}/sightings/${encodeURIComponent(impala.id)}`);
    expect(stored.sighting).toMatchObject({ revision: 2, reviewState: 'edited', changedBy: 'Mara Manager', data: { Species: 'Leopard' } });

    await page.getByLabel('New comment').fill('checked with the ranger');
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.getByRole('list', { name: 'Comments' }).getByText('checked with the ranger').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, kind, 'review-correction-history');
    await page.context().close();
  });

  it('the overview names the most frequent values of the most used field', async () => {
    const page = await signedIn('mara');
    await page.goto(`${suite.server.baseUrl}/#/projects/${slug}`);
    const top = page.getByRole('list', { name: 'Most frequent Species' });
    await top.waitFor();
    // After the correction above: Leopard 3, Lion 3 (the Impala became a Leopard).
    expect((await top.getByRole('listitem').allTextContents()).sort()).toEqual(['Leopard: 3 sightings', 'Lion: 3 sightings']);
    await page.context().close();
  });

  it('the Reports page draws bars that add up to its table and downloads the table as CSV', async () => {
    const page = await signedIn('mara');
    await tab(page, 'Reports');
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    await page.getByLabel('Count by', { exact: true }).selectOption('Species');
    await page.getByLabel('Period', { exact: true }).selectOption('month');
    const table = page.getByRole('table', { name: 'Report table' });
    await table.getByRole('cell', { name: 'Leopard', exact: true }).first().waitFor();
    const total = Number(await table.locator('tfoot td').textContent());
    expect(total).toBe(SPECIES.length);
    const bars = await page
      .getByRole('img', { name: /Sightings by Species per period/ })
      .locator('rect')
      .evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute('data-count'))));
    expect(bars.reduce((sum, count) => sum + count, 0)).toBe(total);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the table (CSV)' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('period,Species,count');
    expect(csv.slice(1).reduce((sum, line) => sum + Number(line.split(',').pop()), 0)).toBe(total);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, kind, 'reports');
    await page.context().close();
  });

  it('the map opens fitted to sightings all in one park, and keeps the view left while the person visits another tab', async () => {
    const page = await signedIn('mara');
    // Zoomed in to a park, the map draws Natural Earth's 1:10m outlines, shipped with the console.
    const fineOutlines = page.waitForResponse((response) => /countries-10m.*\.json$/.test(response.url()) && response.status() === 200);
    await tab(page, 'Map');
    const map = page.getByRole('region', { name: 'Map of sightings' });
    await fineOutlines;
    const view = async () => (await map.getAttribute('data-view'))?.split(',').map(Number) ?? null;
    await expect.poll(() => map.getAttribute('data-view'), { timeout: 30_000 }).toBeTruthy();
    const [west, south, east, north] = (await view())!;
    const points = await suite.admin.allSightings(slug);
    for (const point of points) {
      expect(point.longitude).toBeGreaterThanOrEqual(west!);
      expect(point.longitude).toBeLessThanOrEqual(east!);
      expect(point.latitude).toBeGreaterThanOrEqual(south!);
      expect(point.latitude).toBeLessThanOrEqual(north!);
    }
    expect(east! - west!).toBeLessThan(5);
    await page.getByRole('button', { name: 'Zoom out' }).click();
    const before = await map.getAttribute('data-view');
    await expect.poll(() => map.getAttribute('data-view'), { timeout: 30_000 }).not.toBe(before);
    const left = await map.getAttribute('data-view');
    await tab(page, 'Reports');
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    await tab(page, 'Map');
    await expect.poll(() => map.getAttribute('data-view'), { timeout: 30_000 }).toBe(left);
    await expect.poll(() => map.getAttribute('data-basemap'), { timeout: 30_000 }).toBe('fine');
    await screenshot(page, kind, 'map-fitted');
    await page.context().close();
  });

  it('a viewer sees review states and comments, and no button to change them', async () => {
    const page = await signedIn('vic');
    const table = page.getByRole('table', { name: 'Sightings' });
    expect(await table.getByText('Approved', { exact: true }).count()).toBe(3);
    expect(await table.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    const edited = (await suite.admin.allSightings(slug, '&review=edited'))[0];
    await page.goto(`${suite.server.baseUrl}/#/projects/${slug}/sightings/${encodeURIComponent(edited.id)}`);
    await page.getByRole('list', { name: 'Comments' }).getByText('checked with the ranger').waitFor();
    for (const name of ['Approve', 'Reject', 'Save correction', 'Add comment']) expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    await screenshot(page, kind, 'review-viewer');
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });
});
