import type { Attachment } from '../api';
import { valueText } from './field-text';

/** A version of a sighting, as the revision history compares them. */
export interface ComparedVersion {
  kind: string;
  deviceId: string | null;
  observedAt: string | null;
  latitude: number | null;
  longitude: number | null;
  altitude: number | null;
  accuracy: number | null;
  deleted: boolean;
  data: Record<string, unknown>;
  attachments: Attachment[];
}

const position = (version: ComparedVersion) => (version.latitude === null ? '—' : `${version.latitude}, ${version.longitude}`);

/** What changed from `older` to `newer`, a line each ("Count: 1 → 2"), in the newer version's field order. */
export function changesBetween(older: ComparedVersion, newer: ComparedVersion): string[] {
  const changes: string[] = [];
  const compare = (name: string, before: string, after: string) => {
    if (before !== after) changes.push(`${name}: ${before} → ${after}`);
  };
  compare('kind', older.kind, newer.kind);
  compare('observed', older.observedAt ?? '—', newer.observedAt ?? '—');
  compare('position', position(older), position(newer));
  compare('altitude', valueText(older.altitude), valueText(newer.altitude));
  compare('accuracy', valueText(older.accuracy), valueText(newer.accuracy));
  compare('device', older.deviceId ?? '—', newer.deviceId ?? '—');
  if (older.deleted !== newer.deleted) changes.push(newer.deleted ? 'deleted' : 'no longer deleted');
  for (const field of new Set([...Object.keys(newer.data), ...Object.keys(older.data)])) compare(field, valueText(older.data[field]), valueText(newer.data[field]));
  const names = (files: Attachment[], without: Attachment[]) => files.filter((file) => !without.some((other) => other.sha256 === file.sha256)).map((file) => file.name);
  const added = names(newer.attachments, older.attachments);
  const removed = names(older.attachments, newer.attachments);
  if (added.length > 0) changes.push(`files added: ${added.join(', ')}`);
  if (removed.length > 0) changes.push(`files no longer listed: ${removed.join(', ')}`);
  return changes;
}
