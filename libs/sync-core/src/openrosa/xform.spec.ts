import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readXForm } from './xform.js';

// Blank forms from getodk/central-backend's test/data/xml.js (copied to test/fixtures/odk).
const fixture = (name: string) => readFileSync(new URL(`../../../../test/fixtures/odk/${name}`, import.meta.url));

describe('readXForm', () => {
  it('reads id, title, version and the type of each field below the root', () => {
    const form = readXForm(fixture('simple.form.xml'));
    expect(form).toMatchObject({ xmlFormId: 'simple', version: '', name: 'Simple' });
    expect(form.fields.types).toMatchObject({ 'meta/instanceID': 'string', name: 'string', age: 'int' });
    expect(form.md5).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reads orx:version, repeats and select-multiple controls', () => {
    expect(readXForm(fixture('withrepeat.form.xml'))).toMatchObject({ xmlFormId: 'withrepeat', version: '1.0' });
    expect(readXForm(fixture('withrepeat.form.xml')).fields.types['children/child/age']).toBe('int');
    expect(readXForm(fixture('selectMultiple.form.xml')).fields.types).toMatchObject({ q1: 'select', 'g1/q2': 'select' });
  });

  it('finds the start and end timestamp fields', () => {
    const xml =
      Buffer.from(`<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa"><h:head><h:title>T</h:title><model><instance><w id="w" version="3"><begun/><done/></w></instance>
      <bind nodeset="/w/begun" type="dateTime" jr:preload="timestamp" jr:preloadParams="start"/><bind nodeset="/w/done" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/></model></h:head><h:body/></h:html>`);
    expect(readXForm(xml).fields).toMatchObject({ start: 'begun', end: 'done' });
  });

  it('refuses what is not an XForm, with what to do', () => {
    expect(() => readXForm(Buffer.from('<data id="x"/>'))).toThrow(/not an XForm.*XLSForm/);
    expect(() => readXForm(Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><h:html/>'))).toThrow(/DTD/);
  });
});
