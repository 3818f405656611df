import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { RowSerializer, WideColumns } from './sighting-formats.js';
import { patchYazlCrc32 } from './yazl-crc32.patch.js';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Excel refuses a file with a longer cell. */
const MAX_CELL_CHARS = 32_767;
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELATIONSHIPS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const OFFICE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** The parts of a one-sheet workbook beside the sheet itself (OOXML's minimum). */
const PARTS: [string, string][] = [
  [
    '[Content_Types].xml',
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
  ],
  ['_rels/.rels', `<Relationships xmlns="${RELATIONSHIPS}"><Relationship Id="rId1" Type="${OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
  ['xl/workbook.xml', `<workbook xmlns="${MAIN}" xmlns:r="${OFFICE}"><sheets><sheet name="Sightings" sheetId="1" r:id="rId1"/></sheets></workbook>`],
  ['xl/_rels/workbook.xml.rels', `<Relationships xmlns="${RELATIONSHIPS}"><Relationship Id="rId1" Type="${OFFICE}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`],
];

/** Text as XML character data: escaped, and without the characters XML 1.0 cannot hold at all. */
function xmlText(text: string): string {
  // Most text holds nothing to escape or drop: one scan instead of four replacements.
  if (!/[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/.test(text)) return text;
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** One cell: numbers and true/false as such, everything else as text (never a formula). */
function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '<c/>';
  if (typeof value === 'number') return Number.isFinite(value) ? `<c><v>${value}</v></c>` : '<c/>';
  if (typeof value === 'boolean') return `<c t="b"><v>${value ? 1 : 0}</v></c>`;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const kept = text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text;
  // Only text that starts or ends with white space needs `xml:space` to keep it: the attribute on
  // every cell was a third of the sheet's XML, which is built, checksummed and deflated.
  return keepsSpace(kept) ? `<c t="inlineStr"><is><t xml:space="preserve">${xmlText(kept)}</t></is></c>` : `<c t="inlineStr"><is><t>${xmlText(kept)}</t></is></c>`;
}

const isSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
const keepsSpace = (text: string) => isSpace(text.charCodeAt(0)) || isSpace(text.charCodeAt(text.length - 1));

function rowOf(values: unknown[]): string {
  // One string built up: map and join made an array of cells per row, a million rows over.
  let xml = '<row>';
  for (let index = 0; index < values.length; index++) xml += cell(values[index]);
  return `${xml}</row>`;
}

/** The sheet's XML, a row per sighting after the header row. */
export function xlsxSheetSerializer(columns: WideColumns): RowSerializer {
  return {
    contentType: XLSX_CONTENT_TYPE,
    start: () => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${MAIN}"><sheetData>${rowOf(columns.header)}`,
    row: (view) => rowOf(columns.cells(view)),
    end: () => '</sheetData></worksheet>',
  };
}

/** The workbook, zipped as it is written: the sheet's XML is compressed while the rows still stream in. */
export function xlsxPackage(sheet: AsyncIterable<string>): AsyncIterable<Buffer> {
  patchYazlCrc32();
  const zip = new ZipFile();
  for (const [name, xml] of PARTS) zip.addBuffer(Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>${xml}`), name);
  // Level 1: the sheet's repetitive XML still shrinks about tenfold, and deflate (in zlib's threads)
  // no longer holds the download up: at the default level 6 it ran at a fifth of the plain CSV.
  zip.addReadStream(Readable.from(sheet), 'xl/worksheets/sheet1.xml', { compressionLevel: 1 });
  zip.end();
  return zip.outputStream as unknown as AsyncIterable<Buffer>;
}
