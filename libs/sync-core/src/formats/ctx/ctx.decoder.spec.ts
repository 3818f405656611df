import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodedItem, UnreadableFileError } from '../format.js';
import { detectFormat } from '../registry.js';
import { Cabinet } from './cabinet.js';
import { ctxDecoder } from './ctx.decoder.js';
import { guidAt } from './sightings-dat.js';

// Copies of the handbook's shared/fixtures, kept in the repository so a clean clone can test them.
const FIXTURES = join(process.cwd(), 'test/fixtures/cybertracker');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const unpacked = mkdtempSync(join(tmpdir(), 'ctx-reference-'));

/** Debian's cabextract, the reference reader, unpacks the same file for comparison. */
function cabextract(name: string): string {
  const dir = join(unpacked, name);
  execFileSync('cabextract', ['-q', '-d', dir, join(FIXTURES, name)]);
  return dir;
}

async function decode(bytes: Buffer): Promise<DecodedItem[]> {
  const items: DecodedItem[] = [];
  for await (const item of ctxDecoder.decode(
    (async function* () {
      yield bytes;
    })(),
  ))
    items.push(item);
  return items;
}

afterAll(() => rmSync(unpacked, { recursive: true, force: true }));

describe('CTX cabinets', () => {
  it.each(['Disaster_Relief_Rapid_Survey.CTX', 'Market_Research_Smiley_Interface.CTX', 'Spuren-light_V030003p.CTX', 'Transect_Demo.CTX'])(
    'unpacks every file of %s byte for byte as cabextract does',
    (name) => {
      const reference = cabextract(name);
      const cabinet = new Cabinet(fixture(name));
      expect(cabinet.files.length).toBeGreaterThan(5);
      for (const file of cabinet.files) expect(cabinet.extract(file).equals(readFileSync(join(reference, file.name))), file.name).toBe(true);
    },
  );

  it('reads Disaster_Relief_Rapid_Survey: 93 sightings from 9 devices, 34 waypoints, field names not GUIDs', async () => {
    const items = await decode(fixture('Disaster_Relief_Rapid_Survey.CTX'));
    expect(items.filter((item) => item.reason)).toEqual([]);
    const sightings = items.filter((item) => item.record?.kind === 'sighting').map((item) => item.record!);
    const waypoints = items.filter((item) => item.record?.kind === 'waypoint');
    expect(sightings).toHaveLength(93);
    expect(new Set(sightings.map((s) => s.deviceId)).size).toBe(9);
    expect(waypoints).toHaveLength(34);
    const fieldNames = new Set(sightings.flatMap((s) => Object.keys(s.data)));
    expect(fieldNames).toContain('Observer Name');
    for (const name of fieldNames) expect(name).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    // Six records of this survey were taken without a GPS fix (no Latitude attribute in the bytes).
    expect(sightings.filter((s) => s.latitude !== null && s.longitude !== null)).toHaveLength(87);
    expect(sightings.filter((s) => (s.latitude === null) !== (s.longitude === null))).toEqual([]);
  });

  it('reads Market_Research_Smiley_Interface: 13 sightings from one device', async () => {
    const items = await decode(fixture('Market_Research_Smiley_Interface.CTX'));
    const sightings = items.map((item) => item.record!).filter((record) => record.kind === 'sighting');
    expect(sightings).toHaveLength(13);
    expect(new Set(sightings.map((s) => s.deviceId)).size).toBe(1);
  });

  it('reads Spuren-light: 31,489 waypoints and no sightings', async () => {
    const items = await decode(fixture('Spuren-light_V030003p.CTX'));
    expect(items).toHaveLength(31_489);
    expect(items.every((item) => item.record?.kind === 'waypoint')).toBe(true);
  });

  it('reads Transect_Demo as no records, without an error', async () => {
    expect(await decode(fixture('Transect_Demo.CTX'))).toEqual([]);
  });

  it('turns day number plus fraction into observedAt, as the bytes cabextract unpacks say', async () => {
    const reference = readFileSync(join(cabextract('Market_Research_Smiley_Interface.CTX'), 'Sightings.dat'));
    const items = await decode(fixture('Market_Research_Smiley_Interface.CTX'));
    // Our own reading of the reference bytes: first record's Date (type 7) and Time (type 8) attributes.
    const dateGuid = '4764f5e6-15a1-48bf-808a-f673ed7cdcda';
    const timeGuid = 'eb86279a-e032-43d2-b4a8-8b8b2892b10e';
    const expected: string[] = [];
    for (let offset = 0, n = 0; offset < reference.length && n < 2; n++) {
      const end = offset + 50 + reference.readUInt32LE(offset + 46);
      let date = 0;
      let time = 0;
      for (let a = offset + 50; a < end; a += 21 + reference.readUInt32LE(a + 17)) {
        if (guidAt(reference, a) === dateGuid) date = reference.readDoubleLE(a + 21);
        if (guidAt(reference, a) === timeGuid) time = reference.readDoubleLE(a + 21);
      }
      const ms = Date.UTC(1899, 11, 30) + Math.round((date + time) * 86_400_000);
      expected.push(new Date(ms).toISOString().replace(/\.000Z$|Z$/, ''));
      offset = end;
    }
    expect(items.slice(0, 2).map((item) => item.record!.observedAt)).toEqual(expected);
    expect(expected[0]).toMatch(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d/);
  });

  it('is detected by its MSCF signature', () => {
    expect(detectFormat(fixture('Transect_Demo.CTX').subarray(0, 100), 'upload.bin')?.name).toBe('cybertracker-ctx');
  });
});

describe('damaged cabinets are refused with a reason', () => {
  const good = fixture('Disaster_Relief_Rapid_Survey.CTX');
  const firstData = good.readUInt32LE(36);

  const cases: [string, () => Buffer, RegExp][] = [
    ['truncated', () => good.subarray(0, Math.floor(good.length / 2)), /truncated/],
    ['wrong signature', () => Buffer.concat([Buffer.from('MSCX'), good.subarray(4)]), /not a cabinet/],
    [
      'wrong checksum',
      () => {
        const bad = Buffer.from(good);
        bad.writeUInt32LE((bad.readUInt32LE(firstData) ^ 1) >>> 0, firstData);
        return bad;
      },
      /wrong checksum/,
    ],
    [
      'bad MSZIP block',
      () => {
        const bad = Buffer.from(good);
        bad.writeUInt32LE(0, firstData); // no checksum, so the damage reaches the decompressor
        bad[firstData + 8] = 0x58; // "XK" instead of "CK"
        return bad;
      },
      /not an MSZIP block/,
    ],
    [
      'corrupt deflate data',
      () => {
        const bad = Buffer.from(good);
        bad.writeUInt32LE(0, firstData);
        bad.fill(0xff, firstData + 10, firstData + 40);
        return bad;
      },
      /not valid MSZIP data|unpacks to/,
    ],
  ];

  it.each(cases)('%s', async (_name, make, reason) => {
    await expect(decode(make())).rejects.toThrow(UnreadableFileError);
    await expect(decode(make())).rejects.toThrow(reason);
  });
});
