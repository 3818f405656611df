import { expect } from 'vitest';
import { uploadAsDevice } from './curl.js';
import { feature, featureCollection, FeatureSpec } from './geojson.js';
import type { FieldSyncSuite } from './suite.js';

/** Sent per upload: two files for 25,000, as a device that kept a backlog would send them. */
const PER_UPLOAD = 12_500;

/**
 * A project filled with `count` sightings (`spec(index)` each) by one device, another project
 * beside it, and a read-only token for each: what the analysts' connections (OGC API, OData) read.
 */
export async function readerProject(suite: FieldSyncSuite, slug: string, count: number, spec: (index: number) => FeatureSpec) {
  await suite.admin.createProject(slug);
  await suite.admin.createProject('elsewhere');
  const device = await suite.admin.createDevice(slug, 'Ranger 1');
  const reader = (await suite.admin.expect(201, 'POST', '/api/v1/tokens', { name: 'analyst', role: 'read-only', projects: [slug] })).token as string;
  const otherReader = (await suite.admin.expect(201, 'POST', '/api/v1/tokens', { name: 'other', role: 'read-only', projects: ['elsewhere'] })).token as string;
  for (let start = 0; start < count; start += PER_UPLOAD) {
    const size = Math.min(PER_UPLOAD, count - start);
    const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection(Array.from({ length: size }, (_, index) => feature(spec(start + index)))));
    expect(answer.status).toBe(202);
    await suite.admin.settled((answer.body as any).batches[0].id, 300_000);
  }
  return { device, reader, otherReader };
}
