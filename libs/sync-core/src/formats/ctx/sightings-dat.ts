import { sniffMedia } from '../attachment-sniff.js';
import { AttachmentFile, SightingRecord } from '../format.js';
import { normalizeUid } from '../../merge/sighting-identity.js';
import { ElementInfo, elementRole } from './element-table.js';
import { combineDateAndTime, oleDateToIso } from './ole-date.js';

const MAGIC = 0x53494754; // "SIGT" read as a little-endian u32
const HEADER_BYTES = 50;
const ATTRIBUTE_HEADER_BYTES = 21;
const MAX_ATTRIBUTES = 10_000;
const MAX_TEXT_BYTES = 1024 * 1024;

const TYPE_PRESENT = 0;
const TYPE_INTEGER = 5;
const TYPE_NUMBER = 6;
const TYPE_DATE = 7;
const TYPE_TIME = 8;
const TYPE_TEXT = 13;

export type SightingsDatItem = { record: SightingRecord } | { reason: string; fatal?: boolean };

export function guidAt(bytes: Buffer, offset: number): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = bytes.subarray(offset + from, offset + to);
    return Buffer.from(reverse ? [...part].reverse() : part).toString('hex');
  };
  // Windows GUID layout: the first three groups are little-endian.
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

function text(value: Buffer): string {
  const end = value.indexOf(0);
  const bytes = end >= 0 ? value.subarray(0, end) : value;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Older CyberTracker builds write the Windows code page.
    return bytes.toString('latin1');
  }
}

/** A field name for `data`, unique within the record (two elements may share a name). */
function fieldName(data: Record<string, unknown>, name: string): string {
  if (!(name in data)) return name;
  let n = 2;
  while (`${name} (${n})` in data) n++;
  return `${name} (${n})`;
}

/**
 * Reads Sightings.dat: records that start with SIGT, then id, device id, created and current day
 * numbers, a deleted flag, the attribute area's size, and (element GUID, type, size, value)
 * attributes. Element GUIDs become field names through the element table.
 */
export function* readSightingsDat(bytes: Buffer, elements: Map<string, ElementInfo>): Generator<SightingsDatItem> {
  let offset = 0;
  for (let recordNumber = 0; offset < bytes.length; recordNumber++) {
    const where = `Sightings.dat record ${recordNumber} (byte ${offset})`;
    if (offset + HEADER_BYTES > bytes.length) {
      yield { reason: `${where}: the file ends inside the record header`, fatal: true };
      return;
    }
    if (bytes.readUInt32LE(offset) !== MAGIC) {
      yield { reason: `${where}: no SIGT magic; the rest of Sightings.dat cannot be read`, fatal: true };
      return;
    }
    const id = guidAt(bytes, offset + 4);
    const deviceId = guidAt(bytes, offset + 20);
    const createdDay = bytes.readUInt32LE(offset + 36);
    const deleted = bytes[offset + 44] !== 0;
    const attributesSize = bytes.readUInt32LE(offset + 46);
    const end = offset + HEADER_BYTES + attributesSize;
    if (end > bytes.length) {
      yield { reason: `${where}: its attributes (${attributesSize} bytes) run past the end of the file`, fatal: true };
      return;
    }
    try {
      yield { record: readAttributes(bytes, offset + HEADER_BYTES, end, elements, { id, deviceId, createdDay, deleted }) };
    } catch (error) {
      yield { reason: `${where}: ${(error as Error).message}` };
    }
    offset = end;
  }
}

function readAttributes(bytes: Buffer, start: number, end: number, elements: Map<string, ElementInfo>, header: { id: string; deviceId: string; createdDay: number; deleted: boolean }): SightingRecord {
  const data: Record<string, unknown> = {};
  const attachmentFiles: AttachmentFile[] = [];
  const position: Record<string, number> = {};
  let dateDays: number | null = null;
  let timeFraction: number | null = null;
  let offset = start;
  for (let attribute = 0; offset < end; attribute++) {
    if (attribute >= MAX_ATTRIBUTES) throw new Error(`more than ${MAX_ATTRIBUTES} attributes`);
    if (offset + ATTRIBUTE_HEADER_BYTES > end) throw new Error(`attribute ${attribute} is cut off by the end of the record`);
    const elementId = guidAt(bytes, offset);
    const type = bytes[offset + 16];
    const size = bytes.readUInt32LE(offset + 17);
    const valueStart = offset + ATTRIBUTE_HEADER_BYTES;
    if (size > end - valueStart) throw new Error(`attribute ${attribute} has size ${size}, which exceeds the record`);
    const value = bytes.subarray(valueStart, valueStart + size);
    offset = valueStart + size;

    const role = elementRole(elements, elementId);
    const name = elements.get(elementId)?.name ?? elementId;
    const number = (type === TYPE_NUMBER || type === TYPE_DATE || type === TYPE_TIME) && size === 8 ? value.readDoubleLE(0) : null;
    if (role === 'DATE' && number !== null) dateDays = number;
    else if (role === 'TIME' && number !== null) timeFraction = number;
    else if (role && number !== null) position[role] = number;
    else {
      const field = fieldName(data, name);
      const media = type !== TYPE_TEXT && value.length > 16 ? sniffMedia(value) : null;
      if (media) {
        // A photo or recording kept in the record itself goes to the blob store.
        const fileName = `${field.replace(/[^\w.-]+/g, '_')}-${attachmentFiles.length + 1}.${media.extension}`;
        attachmentFiles.push({ name: fileName, contentType: media.contentType, bytes: Buffer.from(value) });
        data[field] = { attachment: fileName };
      } else {
        data[field] = attributeValue(type, value, elements, attribute);
      }
    }
  }
  const observedDays = dateDays !== null ? combineDateAndTime(dateDays, timeFraction) : combineDateAndTime(header.createdDay, timeFraction);
  return {
    uid: normalizeUid(header.id),
    deviceId: header.deviceId,
    kind: 'sighting',
    observedAt: oleDateToIso(observedDays),
    latitude: position.LATITUDE ?? null,
    longitude: position.LONGITUDE ?? null,
    altitude: position.ALTITUDE ?? null,
    accuracy: position.ACCURACY ?? null,
    data,
    attachments: [],
    ...(attachmentFiles.length > 0 ? { attachmentFiles } : {}),
    deleted: header.deleted,
  };
}

function attributeValue(type: number, value: Buffer, elements: Map<string, ElementInfo>, attribute: number): unknown {
  switch (type) {
    case TYPE_PRESENT:
      // The element itself is the value: a ticked list item.
      return true;
    case TYPE_INTEGER:
      if (value.length !== 4) throw new Error(`attribute ${attribute}: an integer must be 4 bytes, not ${value.length}`);
      return value.readInt32LE(0);
    case TYPE_NUMBER:
    case TYPE_DATE:
    case TYPE_TIME:
      if (value.length !== 8) throw new Error(`attribute ${attribute}: a number must be 8 bytes, not ${value.length}`);
      return type === TYPE_NUMBER ? value.readDoubleLE(0) : oleDateToIso(value.readDoubleLE(0));
    case TYPE_TEXT:
      if (value.length > MAX_TEXT_BYTES) throw new Error(`attribute ${attribute}: text of ${value.length} bytes exceeds ${MAX_TEXT_BYTES}`);
      return text(value);
    default:
      if (value.length === 16) {
        // A GUID value names another element, typically the chosen item of a list.
        const id = guidAt(value, 0);
        return elements.get(id)?.name ?? id;
      }
      if (value.length > MAX_TEXT_BYTES) throw new Error(`attribute ${attribute}: value of ${value.length} bytes exceeds ${MAX_TEXT_BYTES}`);
      return { type, base64: value.toString('base64') };
  }
}
