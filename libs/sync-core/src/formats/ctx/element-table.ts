import { normalizeUid } from '../../merge/sighting-identity.js';

export interface ElementInfo {
  name: string;
  /** CyberTracker's role for built-in elements: LATITUDE, LONGITUDE, ALTITUDE, ACCURACY… */
  staticParams: string | null;
}

/** Element ids of CyberTracker's built-in fields, for cabinets whose table lacks StaticParams. */
export const BUILT_IN_ELEMENTS: Record<string, string> = {
  '4764f5e6-15a1-48bf-808a-f673ed7cdcda': 'DATE',
  'eb86279a-e032-43d2-b4a8-8b8b2892b10e': 'TIME',
  'f6636a2d-2e9a-474d-a77d-2e1bae1ef857': 'LATITUDE',
  'd93e86a8-2629-44fe-afc4-2ec510fb1820': 'LONGITUDE',
  '3e2df3a5-4d01-47b9-8ec6-a31083a3bc18': 'ALTITUDE',
};

const MAX_TABLE_CHARS = 64 * 1024 * 1024;

function decodeXmlText(text: string): string {
  return text
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, hex: string) => String.fromCodePoint(Math.min(parseInt(hex, 16), 0x10ffff)))
    .replace(/&#(\d{1,7});/g, (_, dec: string) => String.fromCodePoint(Math.min(Number(dec), 0x10ffff)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * Reads the element table (Elements.xml) into id → name. It is scanned, not parsed with a
 * general XML parser: a document type declaration (and so any entity expansion) is refused,
 * and only the Item elements' Id, Name and StaticParams are read.
 */
export function parseElementsXml(xml: string): Map<string, ElementInfo> {
  if (xml.length > MAX_TABLE_CHARS) throw new Error(`Elements.xml is larger than ${MAX_TABLE_CHARS} characters`);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new Error('Elements.xml declares a DTD or entities, which are refused');
  const elements = new Map<string, ElementInfo>();
  const itemPattern = /<Item>([\s\S]*?)<\/Item>/g;
  for (let match = itemPattern.exec(xml); match; match = itemPattern.exec(xml)) {
    const item = match[1];
    // Nested media (icons, images) holds no Id/Name tags, so the first of each belongs to the item.
    const id = /<Id>\s*([^<]+?)\s*<\/Id>/.exec(item)?.[1];
    const name = /<Name>([^<]*)<\/Name>/.exec(item)?.[1];
    if (!id || name === undefined) continue;
    const staticParams = /<StaticParams>\s*([^<]*?)\s*<\/StaticParams>/.exec(item)?.[1] ?? null;
    elements.set(normalizeUid(id), { name: decodeXmlText(name), staticParams });
  }
  return elements;
}

/** The plain-text element table some versions write: one element a line, its GUID and its name. */
export function parseElementsTxt(text: string): Map<string, ElementInfo> {
  const elements = new Map<string, ElementInfo>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?)\s*[\t,;=]\s*(.*?)\s*$/i.exec(line);
    if (match) elements.set(normalizeUid(match[1]), { name: match[2], staticParams: null });
  }
  return elements;
}

const POSITION_ROLES = ['LATITUDE', 'LONGITUDE', 'ALTITUDE', 'ACCURACY'];

/**
 * The built-in role of an element: DATE and TIME by their well-known ids (other time elements,
 * such as "Transect time", are ordinary fields), positions by id or by StaticParams.
 */
export function elementRole(elements: Map<string, ElementInfo>, id: string): string | null {
  const builtIn = BUILT_IN_ELEMENTS[id];
  if (builtIn) return builtIn;
  const params = elements.get(id)?.staticParams?.toUpperCase() ?? '';
  return POSITION_ROLES.includes(params) ? params : null;
}
