import { ctxDecoder } from './ctx/ctx.decoder.js';
import { cyberTrackerGeoJsonDecoder } from './cybertracker-geojson.decoder.js';
import { FormatDecoder } from './format.js';

/** Every format the consolidator reads, most specific first: adding a format means adding it here. */
export const DECODERS: readonly FormatDecoder[] = [ctxDecoder, cyberTrackerGeoJsonDecoder];

export function detectFormat(head: Buffer, fileName: string | null, decoders: readonly FormatDecoder[] = DECODERS): FormatDecoder | null {
  return (
    decoders.find((decoder) => decoder.detectContent(head)) ??
    (fileName ? decoders.find((decoder) => decoder.detectFileName(fileName)) : undefined) ??
    null
  );
}
