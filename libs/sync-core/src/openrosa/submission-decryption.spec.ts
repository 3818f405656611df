import { describe, expect, it } from 'vitest';
import { encryptSubmission, formKeyPair } from '../../../../test/support/odk-encryption.js';
import { decryptSubmissionFile, submissionIvs, SubmissionDecryptionError, unwrapSubmissionKey } from './submission-decryption.js';

describe('decrypting an ODK encrypted submission', () => {
  const keys = formKeyPair();
  const xml = '<data id="wildlife" version="3"><species>lion</species><photo>lion.jpg</photo><meta><instanceID>uuid:e1</instanceID></meta></data>';
  const photo = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));
  const encrypted = encryptSubmission({ publicKeyPem: keys.publicKeyPem, formId: 'wildlife', version: '3', instanceId: 'uuid:e1', xml, media: [{ name: 'lion.jpg', bytes: photo }] });
  const base64Key = /<base64EncryptedKey>([^<]+)</.exec(encrypted.manifestXml)![1]!;

  it('opens the key and each file, media first, as OpenSSL sealed them', () => {
    const key = unwrapSubmissionKey(keys.privateKeyPem, base64Key);
    const ivs = submissionIvs('uuid:e1', key, 2);
    expect(encrypted.files.map((file) => file.name)).toEqual(['lion.jpg.enc', 'submission.xml.enc']);
    expect(decryptSubmissionFile(key, ivs[0]!, encrypted.files[0]!.bytes)).toEqual(photo);
    expect(decryptSubmissionFile(key, ivs[1]!, encrypted.files[1]!.bytes).toString()).toBe(xml);
  });

  it("says so when the key is another form's, or a file does not match its key", () => {
    expect(() => unwrapSubmissionKey(formKeyPair().privateKeyPem, base64Key)).toThrow(SubmissionDecryptionError);
    // Another key: refused by the padding check, or (1 in 256) bytes that are not the submission.
    const otherKey = Buffer.alloc(32, 7);
    const [iv] = submissionIvs('uuid:e1', otherKey, 1);
    const attempt = () => {
      try {
        return decryptSubmissionFile(otherKey, iv!, encrypted.files[1]!.bytes).toString();
      } catch (error) {
        return error instanceof SubmissionDecryptionError ? 'refused' : 'failed otherwise';
      }
    };
    const outcome = attempt();
    expect(outcome).not.toBe(xml);
    expect(outcome).not.toBe('failed otherwise');
  });
});
