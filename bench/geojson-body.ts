import { Readable } from 'node:stream';

/** A valid CyberTracker GeoJSON body of about `bytes`, generated as it is read (ids start at `firstId`). */
export function geojsonBody(bytes: number, firstId = 0): Readable {
  let sent = 0;
  let index = firstId;
  return Readable.from(
    (function* () {
      yield Buffer.from('{"type":"FeatureCollection","features":[');
      while (sent < bytes) {
        const features: string[] = [];
        for (let i = 0; i < 500; i++, index++) {
          features.push(
            JSON.stringify({
              type: 'Feature',
              geometry: { type: 'Point', coordinates: [31 + (index % 1000) / 1000, -24] },
              properties: {
                id: `bench-${index}`,
                deviceId: 'bench',
                dateTime: '2026-03-01T10:00:00+02:00',
                latitude: -24,
                longitude: 31 + (index % 1000) / 1000,
                sighting: { Species: 'Impala', Count: index % 40, Note: 'x'.repeat(200) },
              },
            }),
          );
        }
        const chunk = Buffer.from((sent > 0 ? ',' : '') + features.join(','));
        sent += chunk.length;
        yield chunk;
      }
      yield Buffer.from(']}');
    })(),
  );
}
