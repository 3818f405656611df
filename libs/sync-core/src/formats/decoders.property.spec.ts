import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatDecoder, UnreadableFileError } from './format.js';
import { DECODERS } from './registry.js';
import { decodeAll } from './decode-all.spec-helper.js';

const TIME_LIMIT_MS = 5000;
const MEMORY_LIMIT_BYTES = 128 * 1024 * 1024;

/** One valid file per format, to mutate. */
const SAMPLES: Record<string, Buffer> = {
  'cybertracker-ctx': readFileSync(join(process.cwd(), 'test/fixtures/cybertracker/Transect_Demo.CTX')),
  'cybertracker-geojson': Buffer.from(
    JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [31, -24] }, properties: { id: 'a', dateTime: '2026-03-01T10:00:00+02:00', sighting: { Species: 'Lion' } } }],
    }),
  ),
  'smart-geojson': Buffer.from(
    JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [31, -24] }, properties: { id: 'a', sighting: { SMART_ObservationType: 'observation', x: 1 } } }],
    }),
  ),
  'cybertracker-webhook': Buffer.from(JSON.stringify({ uid: 's', deviceId: 'd', location: [31, -24], records: [{ uid: 'r', values: [{ id: 'e', name: 'Species', value: 'Lion' }] }] })),
  'zip-csv': Buffer.from(
    'UEsDBBQAAAAAAAAAIQBdJlEGYQAAAGEAAAAKAAAAc2lnaHRzLmNzdmlkLGRldmljZUlkLHRpbWVzdGFtcCxsYXRpdHVkZSxsb25naXR1ZGUsU3BlY2llcwp4MSxkMSwyMDI2LTAzLTAxVDEwOjAwOjAwKzAyOjAwLC0yNC4xLDMxLjUsTGlvbgpQSwECFAMUAAAAAAAAACEAXSZRBmEAAABhAAAACgAAAAAAAAAAAAAAgAEAAAAAc2lnaHRzLmNzdlBLBQYAAAAAAQABADgAAACJAAAAAAA=',
    'base64',
  ),
  openrosa: Buffer.from(
    JSON.stringify({
      openrosa: 1,
      xml: '<?xml version="1.0"?><data id="f"><species>lion</species><location>-24.1 31.5 300 5</location><meta><instanceID>uuid:1</instanceID></meta></data>',
      attachments: [],
    }),
  ),
  'earthranger-event': Buffer.from(
    JSON.stringify({ event_type: 'wildlife', event_details: { species: 'elephant' }, time: '2026-03-01T10:00:00+02:00', location: { latitude: -24.1, longitude: 31.5 } }),
  ),
  csv: Buffer.from('id,deviceId,timestamp,latitude,longitude,Species\nx1,d1,2026-03-01T10:00:00+02:00,-24.1,31.5,Lion\n'),
};

/** Truncations, flipped bytes and inserted junk of a valid file. */
function mutated(sample: Buffer) {
  return fc.oneof(
    fc.nat(sample.length).map((cut) => sample.subarray(0, cut)),
    fc.array(fc.tuple(fc.nat(Math.max(sample.length - 1, 0)), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }).map((flips) => {
      const copy = Buffer.from(sample);
      for (const [at, value] of flips) copy[at] = value;
      return copy;
    }),
    fc.tuple(fc.nat(sample.length), fc.uint8Array({ maxLength: 64 })).map(([at, junk]) => Buffer.concat([sample.subarray(0, at), Buffer.from(junk), sample.subarray(at)])),
  );
}

async function decodeWithin(decoder: FormatDecoder, bytes: Buffer): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const before = process.memoryUsage();
  try {
    await Promise.race([
      decodeAll(decoder, bytes, 1 + (bytes.length % 977)),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${decoder.name} did not finish within ${TIME_LIMIT_MS} ms`)), TIME_LIMIT_MS))),
    ]);
  } catch (error) {
    // The only acceptable failure: "this file cannot be read", with a reason.
    if (!(error instanceof UnreadableFileError)) throw error;
    expect(error.message.length).toBeGreaterThan(5);
  } finally {
    clearTimeout(timer);
  }
  const after = process.memoryUsage();
  expect(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers).toBeLessThan(MEMORY_LIMIT_BYTES);
}

describe.each(DECODERS.map((decoder) => [decoder.name, decoder] as const))('%s decoder, hostile input', (name, decoder) => {
  it('never crashes, hangs or balloons on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), (bytes) => decodeWithin(decoder, Buffer.from(bytes))),
      { numRuns: 150 },
    );
  });

  it('never crashes, hangs or balloons on mutations of a valid file', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(SAMPLES[name]), (bytes) => decodeWithin(decoder, bytes)),
      { numRuns: 200 },
    );
  });
});
