import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { curl } from './support/curl.js';
import { STORES_AND_QUEUE_MODES, fieldSyncSuite } from './support/suite.js';

const fixture = (name: string) => readFileSync(`test/fixtures/cybertracker/${name}`);

describe.each(STORES_AND_QUEUE_MODES)('CyberTracker CTX files over HTTP on %s, %s mode', (kind, mode) => {
  const suite = fieldSyncSuite(kind, { mode });

  beforeAll(async () => {
    for (const slug of ['relief', 'market', 'spuren', 'transect']) await suite.admin.createProject(slug);
  });

  async function put(slug: string, name: string, body: Buffer = fixture(name)) {
    const device = await suite.admin.createDevice(slug);
    const answer = await curl(['-u', `${device.login}:${device.secret}`, '-T', '-', `${suite.server.baseUrl}/upload/${name}`], body);
    expect(answer.status).toBe(202);
    return suite.admin.settled(answer.body.batches[0].id, 120_000);
  }

  it('consolidates each fixture exactly', async () => {
    const relief = await put('relief', 'Disaster_Relief_Rapid_Survey.CTX');
    expect(relief).toMatchObject({ status: 'consolidated', format: 'cybertracker-ctx', counts: { records: 127, new: 127, rejected: 0 } });
    const reliefRows = await suite.admin.allSightings('relief');
    expect(reliefRows.filter((row) => row.kind === 'sighting')).toHaveLength(93);
    expect(new Set(reliefRows.filter((row) => row.kind === 'sighting').map((row) => row.deviceId)).size).toBe(9);
    expect(reliefRows.filter((row) => row.kind === 'waypoint')).toHaveLength(34);
    expect(reliefRows.some((row) => row.data['Observer Name'] !== undefined)).toBe(true);

    const market = await put('market', 'Market_Research_Smiley_Interface.CTX');
    expect(market.counts).toMatchObject({ records: 13, new: 13 });

    const spuren = await put('spuren', 'Spuren-light_V030003p.CTX');
    expect(spuren).toMatchObject({ status: 'consolidated', counts: { records: 31_489, new: 31_489, rejected: 0 } });
    expect(await suite.store.count('sighting', `kind = 'waypoint' AND project_id = (SELECT id FROM project WHERE slug = 'spuren')`)).toBe(31_489);

    const transect = await put('transect', 'Transect_Demo.CTX');
    expect(transect).toMatchObject({ status: 'consolidated', error: null, counts: { records: 0 } });
  });

  it('merges the same CTX sent again as all duplicates', async () => {
    const again = await put('relief', 'Disaster_Relief_Rapid_Survey.CTX');
    expect(again.counts).toMatchObject({ records: 127, new: 0, updated: 0, duplicate: 127 });
  });

  it('rejects damaged cabinets, each with its reason, and keeps working', async () => {
    const good = fixture('Market_Research_Smiley_Interface.CTX');
    const firstData = good.readUInt32LE(36);
    const damaged = (change: (bytes: Buffer) => void) => {
      const bytes = Buffer.from(good);
      change(bytes);
      return bytes;
    };
    const cases: [string, Buffer, RegExp][] = [
      ['truncated', good.subarray(0, 5000), /truncated/],
      ['wrong checksum', damaged((bytes) => bytes.writeUInt32LE((bytes.readUInt32LE(firstData) ^ 1) >>> 0, firstData)), /wrong checksum/],
      ['wrong magic', damaged((bytes) => bytes.write('MSCX', 0, 'latin1')), /unrecognised file format/],
      [
        'bad MSZIP block',
        damaged((bytes) => {
          bytes.writeUInt32LE(0, firstData);
          bytes[firstData + 8] = 0x58;
        }),
        /not an MSZIP block/,
      ],
    ];
    for (const [name, bytes, reason] of cases) {
      const batch = await put('market', `${name.replace(/ /g, '-')}.bin`, bytes);
      expect(batch.status, name).toBe('rejected');
      expect(batch.error, name).toMatch(reason);
    }
    expect((await put('transect', 'Transect_Demo.CTX')).status).toBe('consolidated');
  });
});
