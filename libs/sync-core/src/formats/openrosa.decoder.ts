import { XMLParser } from 'fast-xml-parser';
import { AttachmentRef, FormFields } from '../db/entities/index.js';
import { isObject } from './cybertracker-geojson.decoder.js';
import { AttachmentFile, DecodedItem, FormatDecoder, setField, SightingRecord, UnreadableFileError } from './format.js';
import { readWhole } from './read-whole.js';

const MAX_ENVELOPE_BYTES = 256 * 1024 * 1024;
const MAX_XML_CHARS = 10 * 1024 * 1024;
const MAX_DEPTH = 32;
const GEOPOINT = /^(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)(?:\s+(-?\d+(?:\.\d+)?))?(?:\s+(-?\d+(?:\.\d+)?))?$/;
export const OPENROSA_ENVELOPE_MARK = '{"openrosa":1,';

/** An attachment part as the first OpenRosa door stored it, inside the envelope; kept readable for batches stored then. */
interface InlineAttachment {
  name: string;
  contentType: string;
  base64: string;
}

/**
 * What the OpenRosa door stores for one submission: the XML, the attachments received for it so
 * far (already in the blob store, named by sha256), the sighting it belongs to (the first
 * instance of a chain of edits), when it arrived, and the form's field types when the form is known.
 */
export interface OpenRosaEnvelope {
  openrosa: 1;
  xml: string;
  attachments: (AttachmentRef | InlineAttachment)[];
  uid?: string;
  receivedAt?: string;
  form?: FormFields | null;
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

/** Numbers stay numbers and select-multiple answers become lists when the form says so. */
function typed(value: string, type: string | undefined): unknown {
  if ((type === 'int' || type === 'decimal') && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (type === 'select') return value.split(/\s+/).filter(Boolean);
  return value;
}

/** Group/field paths joined with "/", repeats as lists; `typePath` is where the node sits in the form, repeats included. */
function flatten(node: Record<string, unknown>, prefix: string, typePath: string, types: Record<string, string>, out: Record<string, unknown>, depth: number): void {
  if (depth > MAX_DEPTH) throw new Error(`groups nest deeper than ${MAX_DEPTH} levels`);
  for (const [name, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}/${name}` : name;
    const formPath = typePath ? `${typePath}/${name}` : name;
    const item = (entry: unknown) => {
      if (!isObject(entry)) return entry === '' ? null : typed(String(entry), types[formPath]);
      const copy: Record<string, unknown> = {};
      flatten(entry, '', formPath, types, copy, depth + 1);
      return copy;
    };
    if (Array.isArray(value)) setField(out, path, value.map(item));
    else if (isObject(value)) flatten(value, path, formPath, types, out, depth + 1);
    else setField(out, path, item(value));
  }
}

export function instanceIdOf(fields: Record<string, unknown>): string | null {
  return metaText(fields, 'instanceID');
}

/** The instance an edit replaces (ODK Collect's meta/deprecatedID). */
export function deprecatedIdOf(fields: Record<string, unknown>): string | null {
  return metaText(fields, 'deprecatedID');
}

function metaText(fields: Record<string, unknown>, name: string): string | null {
  const meta = isObject(fields.meta) ? fields.meta : {};
  const value = meta[name] ?? fields[name];
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

/** The form id and version a submission names on its root element. */
export function submissionFormOf(xml: string): { xmlFormId: string | null; version: string } {
  const start = /<(?:[\w.-]+:)?[\w.-]+((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/.exec(xml.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, ''));
  const attributes = new Map<string, string>();
  for (const match of (start?.[1] ?? '').matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes.set(match[1].replace(/^[\w.-]+:/, ''), match[2] ?? match[3]);
  return { xmlFormId: attributes.get('id') ?? null, version: attributes.get('version') ?? '' };
}

export interface SubmissionContext {
  /** Attachments by file name (NFC), stored or (from old envelopes) inline. */
  files: Map<string, AttachmentRef | AttachmentFile>;
  form?: FormFields | null;
  receivedAt?: string | null;
  uid?: string | null;
  /** The instance root's `id` and `version` attributes. */
  xmlFormId?: string | null;
  formVersion?: string;
}

const isStored = (file: AttachmentRef | AttachmentFile): file is AttachmentRef => 'sha256' in file;

/**
 * One submission as a sighting: uid from the first instance of its chain of edits, place from the
 * first geopoint, time from the form's end/start timestamps (or fields named so), else arrival.
 * Values naming an attachment (meta/audit included) become `{ attachment: name }`.
 */
export function submissionToRecord(fields: Record<string, unknown>, context: SubmissionContext): SightingRecord {
  if (typeof fields.base64EncryptedKey === 'string' && typeof fields.encryptedXmlFile === 'string') return encryptedSubmission(fields, context);
  const meta = isObject(fields.meta) ? fields.meta : {};
  const types = context.form?.types ?? {};
  // Which form and version it was filled in (the instance root's id and version): every OpenRosa sighting says so.
  const values: Record<string, unknown> = context.xmlFormId ? { formId: context.xmlFormId, formVersion: context.formVersion ?? '' } : {};
  const { meta: _meta, ...rest } = fields;
  flatten(rest, '', '', types, values, 0);
  // Clients spell the same name in the XML and in the part in either Unicode normal form.
  const fileNamed = (value: string) => context.files.has(value.normalize('NFC'));
  for (const [name, value] of Object.entries(meta)) {
    if (typeof value === 'string' && fileNamed(value)) values[`meta/${name}`] = value;
  }
  let point: RegExpExecArray | null = null;
  const geopointFields = Object.entries(types)
    .filter(([, type]) => type === 'geopoint')
    .map(([path]) => path);
  for (const [path, value] of Object.entries(values)) {
    if (typeof value !== 'string') continue;
    if (fileNamed(value)) {
      values[path] = { attachment: value };
    } else if (!point && (geopointFields.length === 0 || geopointFields.includes(path))) point = GEOPOINT.exec(value);
  }
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);
  const attachments: AttachmentRef[] = [];
  const attachmentFiles: AttachmentFile[] = [];
  // Every file received with the submission is kept, named in it or not; sorted, so order of arrival does not count as a change.
  for (const name of [...context.files.keys()].sort()) {
    const file = context.files.get(name)!;
    if (isStored(file)) attachments.push(file);
    else attachmentFiles.push(file);
  }
  const formTime = (path: string | null | undefined) => (path ? text(values[path]) : null);
  return {
    uid: context.uid ?? instanceIdOf(fields),
    deviceId: text(values.deviceid) ?? text(meta.deviceID),
    kind: 'sighting',
    observedAt: formTime(context.form?.end) ?? formTime(context.form?.start) ?? text(values.end) ?? text(meta.timeEnd) ?? text(values.start) ?? context.receivedAt ?? null,
    latitude: point ? Number(point[1]) : null,
    longitude: point ? Number(point[2]) : null,
    altitude: point?.[3] ? Number(point[3]) : null,
    accuracy: point?.[4] ? Number(point[4]) : null,
    data: values,
    attachments,
    ...(attachmentFiles.length > 0 ? { attachmentFiles } : {}),
    deleted: false,
  };
}

/**
 * An encrypted submission (ODK's encrypted forms): what it holds is in its encrypted files, so
 * its fields are only the manifest's own elements (the wrapped key, the instance id, the files
 * in the order they were encrypted, the signature), marked `encrypted`. Nothing is read from the
 * files: the server never has the key. `fieldsync download --private-key` decrypts them.
 */
function encryptedSubmission(fields: Record<string, unknown>, context: SubmissionContext): SightingRecord {
  const meta = isObject(fields.meta) ? fields.meta : {};
  const names = (value: unknown): string[] => (Array.isArray(value) ? value.flatMap(names) : isObject(value) ? names(value.file) : typeof value === 'string' ? [value.trim()] : []);
  const files = [...names(fields.media), String(fields.encryptedXmlFile).trim()];
  const attachments = [...context.files.values()].filter((file): file is AttachmentRef => isStored(file)).sort((a, b) => a.name.localeCompare(b.name));
  return {
    uid: context.uid ?? instanceIdOf(fields),
    deviceId: null,
    kind: 'sighting',
    observedAt: context.receivedAt ?? null,
    latitude: null,
    longitude: null,
    altitude: null,
    accuracy: null,
    data: {
      ...(context.xmlFormId ? { formId: context.xmlFormId, formVersion: context.formVersion ?? '' } : {}),
      encrypted: true,
      instanceID: typeof meta.instanceID === 'string' ? meta.instanceID.trim() : null,
      base64EncryptedKey: String(fields.base64EncryptedKey).trim(),
      encryptedFiles: files,
      ...(typeof fields.base64EncryptedElementSignature === 'string' ? { base64EncryptedElementSignature: fields.base64EncryptedElementSignature.trim() } : {}),
    },
    attachments,
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
    const files = new Map<string, AttachmentRef | AttachmentFile>(
      (envelope.attachments ?? []).map((part) => [part.name.normalize('NFC'), 'base64' in part ? { name: part.name, contentType: part.contentType, bytes: Buffer.from(part.base64, 'base64') } : part]),
    );
    try {
      const { xmlFormId, version } = submissionFormOf(envelope.xml);
      yield { index: 0, record: submissionToRecord(fields, { files, form: envelope.form, receivedAt: envelope.receivedAt, uid: envelope.uid, xmlFormId, formVersion: version }) };
    } catch (error) {
      yield { index: 0, reason: (error as Error).message };
    }
  },
};
