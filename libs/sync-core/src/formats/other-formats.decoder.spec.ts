import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { csvDecoder } from './csv.decoder.js';
import { DECODERS, detectFormat, formatsRead } from './registry.js';
import { smartGeoJsonDecoder } from './smart-geojson.decoder.js';
import { decodeAll } from './decode-all.spec-helper.js';
import { webhookJsonDecoder } from './webhook-json.decoder.js';

describe('SMART GeoJSON', () => {
  const smart = Buffer.from(
    JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [31.5, -24.1] },
          properties: { id: 'a', dateTime: '2026-03-01T10:00:00+02:00', sighting: { SMART_ObservationType: 'observation', 'animals.species': 'lion', 'animals.count': 2 } },
        },
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [31.6, -24.2] },
          properties: { id: 'b', dateTime: '2026-03-01T10:05:00+02:00', sighting: { SMART_ObservationType: 'NewWaypoint' } },
        },
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [31.7, -24.3] },
          properties: { id: 'c', dateTime: '2026-03-01T10:06:00+02:00', sighting: { SMART_ObservationType: 'incident', 'threat.type': 'snare' } },
        },
      ],
    }),
  );

  it('is told apart from plain CyberTracker GeoJSON and keeps SMART keys in data', async () => {
    expect(detectFormat(smart, null)?.name).toBe('smart-geojson');
    const items = await decodeAll(smartGeoJsonDecoder, smart, 50);
    expect(items.map((item) => item.record?.kind)).toEqual(['sighting', 'waypoint', 'alert']);
    expect(items[0].record?.data).toEqual({ SMART_ObservationType: 'observation', 'animals.species': 'lion', 'animals.count': 2 });
    expect(items[0].record).toMatchObject({ latitude: -24.1, longitude: 31.5 });
  });
});

describe('CyberTracker webhook JSON', () => {
  const session = {
    uid: 'session-1',
    deviceId: 'ct-7',
    location: [31.5, -24.1, 300, 5],
    dateTime: '2026-03-01T10:00:00+02:00',
    records: [
      {
        uid: '{11111111-2222-3333-4444-555555555555}',
        values: [
          { id: 'e1', name: 'Species', value: 'Lion' },
          { id: 'e2', name: 'Count', value: 3 },
        ],
      },
      { uid: 'r2', location: [31.6, -24.2], dateTime: '2026-03-01T11:00:00+02:00', values: [{ id: 'e1', value: 'Kudu' }] },
      { uid: 'r3', values: 'oops' },
    ],
  };

  it('turns each record into a sighting with named fields, the session filling in place and time', async () => {
    const body = Buffer.from(JSON.stringify(session));
    expect(detectFormat(body, null)?.name).toBe('cybertracker-webhook');
    const items = await decodeAll(webhookJsonDecoder, body);
    expect(items[0].record).toMatchObject({
      uid: '{11111111-2222-3333-4444-555555555555}',
      deviceId: 'ct-7',
      longitude: 31.5,
      latitude: -24.1,
      altitude: 300,
      accuracy: 5,
      observedAt: '2026-03-01T10:00:00+02:00',
      data: { Species: 'Lion', Count: 3 },
    });
    expect(items[1].record).toMatchObject({ longitude: 31.6, latitude: -24.2, observedAt: '2026-03-01T11:00:00+02:00', data: { e1: 'Kudu' } });
    expect(items[2]).toEqual({ index: 2, reason: 'record has no "values" list' });
  });

  it('keeps two fields of one name (CyberTracker names them by their screens) as two', async () => {
    const values = [
      { id: 'e1', name: 'Count', value: 3 },
      { id: 'e2', name: 'Count', value: 1 },
      { id: 'e3', name: '__proto__', value: 'p' },
    ];
    const [item] = await decodeAll(webhookJsonDecoder, Buffer.from(JSON.stringify({ ...session, records: [{ uid: 'r1', values }] })));
    expect(JSON.stringify(item.record?.data)).toBe('{"Count":3,"Count (2)":1,"__proto__":"p"}');
  });
});

describe('CSV', () => {
  it('reads the spreadsheet form of a date and time, and refuses dates the calendar does not have, naming the column and the spreadsheet row', async () => {
    const csv = Buffer.from(
      [
        'id,Latitude,Longitude,Date time,Species',
        'a,-24,31,2026-03-01 10:00,Lion',
        'b,-24,31,2026-03-01 10:00:30,Kudu',
        'c,-24,31,2026-02-30T10:00:00Z,Eland',
        'd,-24,31,2026-04-31 09:00,Hyena',
        'e,-24,31,01/03/2026 10:00,Zebra',
      ].join('\r\n'),
    );
    const items = await decodeAll(csvDecoder, csv);
    expect(items.map((item) => (item.record ? item.record.observedAt : item.reason))).toEqual([
      '2026-03-01T10:00',
      '2026-03-01T10:00:30',
      'spreadsheet row 4: column "Date time": "2026-02-30T10:00:00Z" is not a real date and time (February 2026 has 28 days)',
      'spreadsheet row 5: column "Date time": "2026-04-31 09:00" is not a real date and time (April 2026 has 30 days)',
      'spreadsheet row 6: column "Date time": "01/03/2026 10:00" is not a date and time; write 2026-03-01T10:00:00+02:00, or 2026-03-01 10:00 as spreadsheets do',
    ]);
  });

  it('reads well-known columns whatever their spelling, and keeps the rest as fields', async () => {
    const csv = Buffer.from(
      'ID;Device ID;DateTime;Lat;Lon;Species;Count;Note\r\nx1;d1;2026-03-01T10:00:00+02:00;-24,1;31,5;Lion;2;"big; old"\r\nx2;d1;2026-03-01T10:05:00+02:00;north;31.6;Kudu;1;\r\nx3;d1;2026-03-01T10:06:00+02:00;-24.3\r\n',
    );
    expect(detectFormat(csv, 'upload.bin')?.name).toBe('csv');
    const items = await decodeAll(csvDecoder, csv, 7);
    expect(items[0].record).toMatchObject({ uid: 'x1', deviceId: 'd1', latitude: -24.1, longitude: 31.5, data: { Species: 'Lion', Count: 2, Note: 'big; old' } });
    expect(items[1]).toEqual({ index: 1, reason: 'spreadsheet row 3: latitude "north" is not a number' });
    expect(items[2]).toEqual({ index: 2, reason: 'spreadsheet row 4: it has 4 cells, the header 8' });
  });

  it('keeps every column: a repeated or empty name gets one of its own, and codes keep their leading zeros', async () => {
    const csv = Buffer.from('id,lat,lon,Notes,Notes,,,Notes (2),Tag,Plot,Count,Depth,__proto__\nx1,-24,31,first,second,idx,unnamed,literal,007,-012,0,0.5,p\n');
    const [item] = await decodeAll(csvDecoder, csv, 5);
    // As text: an expected object written in JavaScript cannot hold a "__proto__" field.
    expect(JSON.stringify(item.record?.data)).toBe(
      '{"Notes":"first","Notes (3)":"second","":"idx","column 7":"unnamed","Notes (2)":"literal","Tag":"007","Plot":"-012","Count":0,"Depth":0.5,"__proto__":"p"}',
    );
  });

  it('refuses a file without a header it can use', async () => {
    await expect(decodeAll(csvDecoder, Buffer.from('a,b\n1,2\n'))).rejects.toThrow(/neither an id nor a latitude column/);
  });
});

describe('CyberTracker SMART alerts', () => {
  // The shape of ctmobile cpp/SMART/SMARTProvider.cpp: sightingToJson (properties appName, ctVersion,
  // dateTime, deviceId, latitude, longitude, altitude, rootId, then extraProps typeUuid, caUuid,
  // level, description) and uploadPing6's locationToJson (SMART_ObservationType "waypoint" plus
  // typeUuid, caUuid, level 5, patrolId).
  const alerts = readFileSync('test/fixtures/cybertracker/smart-alerts.geojson');

  it('are stored as kind alert with their level, type and conservation area', async () => {
    const items = await decodeAll(smartGeoJsonDecoder, alerts, 64);
    expect(items.map((item) => item.record?.kind)).toEqual(['alert', 'alert']);
    expect(items[0].record?.data).toMatchObject({
      'threat.type': 'snare',
      alert: { level: 3, typeUuid: '1f0c5a2e-7d7c-4e8a-9e61-8c2c8b3f6a10', caUuid: '6f1c7a3e-1111-4c3b-9a77-0d9e6c1d2e3f', description: 'Snare found' },
    });
    expect(items[1].record?.data).toEqual({ alert: { level: 5, typeUuid: '2f0c5a2e-7d7c-4e8a-9e61-8c2c8b3f6a10', caUuid: '6f1c7a3e-1111-4c3b-9a77-0d9e6c1d2e3f', patrolId: 'p-9', description: '' } });
  });
});

describe('the formats a rejected file is told about', () => {
  it('names every decoder in the registry', () => {
    const words = formatsRead();
    for (const decoder of DECODERS) expect(words).toContain(decoder.name);
  });
});
