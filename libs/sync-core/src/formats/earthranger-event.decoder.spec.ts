import { describe, expect, it } from 'vitest';
import { earthRangerEventDecoder } from './earthranger-event.decoder.js';
import { detectFormat } from './registry.js';
import { decodeAll } from './decode-all.spec-helper.js';

// As CyberTracker's EarthRanger connector builds an event (ctmobile cpp/EarthRanger/EarthRangerProvider.cpp):
// event_type, event_details (flat values, lists for repeated records), time, location {latitude, longitude}, reported_by.
const event = {
  event_type: 'wildlife_sighting_rep',
  event_details: { wildlifesightingrep_species: 'elephant', wildlifesightingrep_numberanimals: 12, herd: [{ age: 'adult' }, { age: 'calf' }] },
  time: '2026-03-01T10:00:00.000+02:00',
  location: { latitude: -24.1, longitude: 31.5 },
  reported_by: { id: 'b5a1c2d3-0000-4000-8000-000000000001', name: 'Ranger 7', subject_subtype: 'ranger' },
};

describe('EarthRanger events', () => {
  it('a bare event sent to /upload is recognised and read, place, time and fields', async () => {
    const bytes = Buffer.from(JSON.stringify(event));
    expect(detectFormat(bytes, null)?.name).toBe('earthranger-event');
    const [item] = await decodeAll(earthRangerEventDecoder, bytes);
    expect(item.record).toMatchObject({
      uid: null,
      kind: 'sighting',
      observedAt: '2026-03-01T10:00:00.000+02:00',
      latitude: -24.1,
      longitude: 31.5,
      deviceId: 'b5a1c2d3-0000-4000-8000-000000000001',
      data: { event_type: 'wildlife_sighting_rep', event_details: event.event_details, reported_by: event.reported_by },
    });
  });

  it("the door's envelope keeps the event id, its photos and notes", async () => {
    const envelope = { earthranger: 1, id: 'e-1', event, files: [{ name: 'Photo1.jpg', contentType: 'image/jpeg', size: 3, sha256: 'a'.repeat(64) }], notes: ['seen again at dusk'] };
    const [item] = await decodeAll(earthRangerEventDecoder, Buffer.from(JSON.stringify(envelope)));
    expect(item.record).toMatchObject({ uid: 'e-1', data: { notes: ['seen again at dusk'] }, attachments: envelope.files });
  });

  it('reports an event without event_type by its index, keeping the others', async () => {
    const items = await decodeAll(earthRangerEventDecoder, Buffer.from(JSON.stringify([event, { time: 'x' }])));
    expect(items[0].record).toBeDefined();
    expect(items[1]).toEqual({ index: 1, reason: 'the event has no event_type' });
  });
});
