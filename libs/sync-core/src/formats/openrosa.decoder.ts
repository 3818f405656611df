import { XMLParser } from 'fast-xml-parser';
import { isObject } from './cybertracker-geojson.decoder.js';
import { AttachmentFile, DecodedItem, FormatDecoder, SightingRecord, UnreadableFileError } from './format.js';
import { readWhole } from './read-whole.js';

const MAX_ENVELOPE_BYTES = 256 * 1024 * 1024;
const MAX_XML_CHARS = 10 * 1024 * 1024;
const MAX_DEPTH = 32;
const GEOPOINT = /^(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)(?:\s+(-?\d+(?:\.\d+)?))?(?:\s+(-?\d+(?:\.\d+)?))?$/;
export const OPENROSA_ENVELOPE_MARK = '{"openrosa":1,';

/** What the OpenRosa door stores for one submission: the XML and its attachment parts. */
export interface OpenRosaEnvelope {
  openrosa: 1;
  xml: string;
  attachments: { name: string; contentType: string; base64: string }[];
}

export class XmlRefusedError extends Error {}

/** Parses submission XML, refusing document type declarations (and so every entity expansion bomb). */
export function parseSubmissionXml(xml: string): Record<string, unknown> {
  if (xml.length > MAX_XML_CHARS) throw new XmlRefusedError(`the submission XML is larger than ${MAX_XML_CHARS} characters`);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new XmlRefusedError('the submission XML declares a DTD or entities, which are refused');
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, processEntities: true, htmlEntities: false, removeNSPrefix: true });
  let document: unknown;
  try {
    document = parser.parse(xml, true);
  } catch (error) {
    throw new XmlRefusedError(`the submission XML is not well-formed: ${(error as Error).message}`);
  }
  const roots = isObject(document) ? Object.entries(document).filter(([name]) => name !== '?xml') : [];
  if (roots.length !== 1 || !isObject(roots[0][1])) throw new XmlRefusedError('the submission XML has no single root element with fields');
  return roots[0][1];
}

/** Group/field paths joined with "/", repeats as lists; the values of `meta` kept apart. */
function flatten(node: Record<string, unknown>, prefix: string, out: Record<string, unknown>, depth: number): void {
  if (depth > MAX_DEPTH) throw new Error(`groups nest deeper than ${MAX_DEPTH} levels`);
  for (const [name, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}/${name}` : name;
    if (Array.isArray(value)) out[path] = value.map((item) => (isObject(item) ? flattenedCopy(item, depth + 1) : item));
    else if (isObject(value)) flatten(value, path, out, depth + 1);
    else out[path] = value === '' ? null : value;
  }
}

function flattenedCopy(node: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  flatten(node, '', out, depth);
  return out;
}

export function instanceIdOf(fields: Record<string, unknown>): string | null {
  const meta = isObject(fields.meta) ? fields.meta : {};
  const id = meta.instanceID ?? fields.instanceID;
  return typeof id === 'string' && id.trim() ? id.trim() : null;
}

/** One submission as a sighting: uid from meta/instanceID, place from the first geopoint, time from end/start. */
export function submissionToRecord(fields: Record<string, unknown>, files: Map<string, AttachmentFile>): SightingRecord {
  const meta = isObject(fields.meta) ? fields.meta : {};
  const values: Record<string, unknown> = {};
  const { meta: _meta, ...rest } = fields;
  flatten(rest, '', values, 0);
  const attachmentFiles: AttachmentFile[] = [];
  let point: RegExpExecArray | null = null;
  for (const [path, value] of Object.entries(values)) {
    if (typeof value !== 'string') continue;
    if (files.has(value)) {
      attachmentFiles.push(files.get(value)!);
      values[path] = { attachment: value };
    } else if (!point) point = GEOPOINT.exec(value);
  }
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);
  return {
    uid: instanceIdOf(fields),
    deviceId: text(values.deviceid) ?? text(meta.deviceID),
    kind: 'sighting',
    observedAt: text(values.end) ?? text(meta.timeEnd) ?? text(values.start),
    latitude: point ? Number(point[1]) : null,
    longitude: point ? Number(point[2]) : null,
    altitude: point?.[3] ? Number(point[3]) : null,
    accuracy: point?.[4] ? Number(point[4]) : null,
    data: values,
    attachments: [],
    ...(attachmentFiles.length > 0 ? { attachmentFiles } : {}),
    deleted: false,
  };
}

/** Submissions stored by the OpenRosa door (POST /submission): XML plus attachment parts. */
export const openRosaDecoder: FormatDecoder = {
  name: 'openrosa',

  detectContent(head) {
    return head.subarray(0, OPENROSA_ENVELOPE_MARK.length).toString('utf8') === OPENROSA_ENVELOPE_MARK;
  },

  detectFileName: () => false,

  async *decode(bytes): AsyncGenerator<DecodedItem> {
    let envelope: OpenRosaEnvelope;
    let fields: Record<string, unknown>;
    try {
      envelope = JSON.parse((await readWhole(bytes, MAX_ENVELOPE_BYTES, 'the submission')).toString('utf8')) as OpenRosaEnvelope;
      fields = parseSubmissionXml(envelope.xml);
    } catch (error) {
      throw new UnreadableFileError(error instanceof UnreadableFileError || error instanceof XmlRefusedError ? error.message : `the submission cannot be read: ${(error as Error).message}`);
    }
    const files = new Map<string, AttachmentFile>(
      (envelope.attachments ?? []).map((part) => [part.name, { name: part.name, contentType: part.contentType, bytes: Buffer.from(part.base64, 'base64') }]),
    );
    try {
      yield { index: 0, record: submissionToRecord(fields, files) };
    } catch (error) {
      yield { index: 0, reason: (error as Error).message };
    }
  },
};
