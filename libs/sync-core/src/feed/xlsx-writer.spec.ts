import { describe, expect, it } from 'vitest';
import { wideColumns } from './sighting-formats.js';
import type { SightingView } from './sighting-formats.js';
import { xlsxSheetSerializer } from './xlsx-writer.js';

const view = (data: Record<string, unknown>): SightingView => ({
  id: 'a',
  deviceId: null,
  deviceName: null,
  deviceLogin: null,
  kind: 'sighting',
  observedAt: null,
  latitude: -1.5,
  longitude: 2,
  altitude: null,
  accuracy: null,
  data,
  attachments: [],
  deleted: false,
  revision: 1,
  seq: 1,
  batchId: 'b',
  reviewState: 'received',
});

describe('the XLSX sheet', () => {
  const columns = wideColumns(['count', 'latitude', 'note']);
  const sheet = xlsxSheetSerializer(columns);

  it('names a field that shares a fixed column data.<name>, and keeps numbers and booleans as such', () => {
    expect(columns.header.slice(-3)).toEqual(['count', 'data.latitude', 'note']);
    const row = sheet.row(view({ count: 3, latitude: 'on the ridge', note: true }), true);
    expect(row).toContain('<c><v>3</v></c>');
    expect(row).toContain('<c t="b"><v>1</v></c>');
    expect(row).toContain('<c><v>-1.5</v></c>');
  });

  it('writes text as text that XML can hold: escaped, control characters and lone surrogates dropped, long text cut at Excel’s limit', () => {
    const row = sheet.row(view({ note: '=SUM(A1)<b>&\u0001\ud800x', count: 'y'.repeat(40_000) }), true);
    expect(row).toContain('<t>=SUM(A1)&lt;b&gt;&amp;x</t>');
    expect(row).not.toContain('<f>');
    expect(row).toContain(`${'y'.repeat(32_766)}…</t>`);
  });

  it('keeps white space at either end of a text, and only there marks it', () => {
    const row = sheet.row(view({ note: ' Lion\t', count: 'Lion' }), true);
    expect(row).toContain('<t xml:space="preserve"> Lion\t</t>');
    expect(row).toContain('<t>Lion</t>');
  });
});
