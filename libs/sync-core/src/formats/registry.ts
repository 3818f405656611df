import { ctxDecoder } from './ctx/ctx.decoder.js';
import { csvDecoder } from './csv.decoder.js';
import { cyberTrackerGeoJsonDecoder } from './cybertracker-geojson.decoder.js';
import { earthRangerEventDecoder } from './earthranger-event.decoder.js';
import { FormatDecoder } from './format.js';
import { openRosaDecoder } from './openrosa.decoder.js';
import { smartGeoJsonDecoder } from './smart-geojson.decoder.js';
import { webhookJsonDecoder } from './webhook-json.decoder.js';
import { zipCsvDecoder } from './zip-csv.decoder.js';

/** Every format the consolidator reads, most specific first: adding a format means adding it here. */
export const DECODERS: readonly FormatDecoder[] = [
  openRosaDecoder,
  ctxDecoder,
  smartGeoJsonDecoder,
  cyberTrackerGeoJsonDecoder,
  earthRangerEventDecoder,
  webhookJsonDecoder,
  zipCsvDecoder,
  csvDecoder,
];

export function detectFormat(head: Buffer, fileName: string | null, decoders: readonly FormatDecoder[] = DECODERS): FormatDecoder | null {
  return decoders.find((decoder) => decoder.detectContent(head)) ?? (fileName ? decoders.find((decoder) => decoder.detectFileName(fileName)) : undefined) ?? null;
}

/** What the consolidator reads, in words for a rejected batch's reason: built from DECODERS, so it never falls behind. */
export function formatsRead(decoders: readonly FormatDecoder[] = DECODERS): string {
  const names = decoders.map((decoder) => decoder.name);
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}
