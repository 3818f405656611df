import { describe, expect, it } from 'vitest';
import { openRosaDecoder, parseSubmissionXml, submissionToRecord, XmlRefusedError } from './openrosa.decoder.js';
import { decodeAll } from './decode-all.spec-helper.js';

const XML = `<?xml version='1.0' ?><data id="wildlife" xmlns:orx="http://openrosa.org/xforms"><start>2026-03-01T10:00:00.000+02:00</start><end>2026-03-01T10:04:00.000+02:00</end><deviceid>collect:abc</deviceid><group_animal><species>lion</species><count>2</count></group_animal><location>-24.1 31.5 300 5</location><photo>1700000000.jpg</photo><orx:meta><orx:instanceID>uuid:6f1c7a3e-1111-4c3b-9a77-0d9e6c1d2e3f</orx:instanceID></orx:meta></data>`;

describe('OpenRosa submissions', () => {
  it('read meta/instanceID as uid, the first geopoint as position, end as time, groups as paths', async () => {
    const record = submissionToRecord(parseSubmissionXml(XML), { files: new Map([['1700000000.jpg', { name: '1700000000.jpg', contentType: 'image/jpeg', bytes: Buffer.from('x') }]]) });
    expect(record).toMatchObject({
      uid: 'uuid:6f1c7a3e-1111-4c3b-9a77-0d9e6c1d2e3f',
      deviceId: 'collect:abc',
      observedAt: '2026-03-01T10:04:00.000+02:00',
      latitude: -24.1,
      longitude: 31.5,
      altitude: 300,
      accuracy: 5,
    });
    expect(record.data).toMatchObject({ 'group_animal/species': 'lion', 'group_animal/count': '2', photo: { attachment: '1700000000.jpg' } });
    expect(record.attachmentFiles).toHaveLength(1);
  });

  it('refuses a billion-laughs document at once, with a reason', async () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><data><a>&lol3;</a><meta><instanceID>uuid:x</instanceID></meta></data>`;
    expect(() => parseSubmissionXml(laughs)).toThrow(XmlRefusedError);
    const envelope = Buffer.from(JSON.stringify({ openrosa: 1, xml: laughs, attachments: [] }));
    await expect(decodeAll(openRosaDecoder, envelope)).rejects.toThrow(/declares a DTD or entities, which are refused/);
  });
});
