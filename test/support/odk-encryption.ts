import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An encrypted submission as ODK Collect makes one (XForms encryption spec), with OpenSSL's
 * command line doing the cryptography: RSA-OAEP with SHA-256 and MGF1-SHA-1 for the key, AES-256-CFB
 * for the files (PKCS#5 padded first). A reference the server's and the CLI's code did not write.
 */
export function encryptSubmission(options: { publicKeyPem: string; formId: string; version: string; instanceId: string; xml: string; media: { name: string; bytes: Buffer }[] }) {
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-odk-encrypt-'));
  try {
    const publicKey = join(work, 'public.pem');
    writeFileSync(publicKey, options.publicKeyPem);
    const rsa = (plain: Buffer) =>
      execFileSync('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', publicKey, '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha1'], {
        input: plain,
      });
    const key = randomBytes(32);
    const seed = createHash('md5').update(options.instanceId, 'utf8').update(key).digest();
    const aes = (plain: Buffer, index: number) => {
      seed[index % 16] = (seed[index % 16]! + 1) & 0xff;
      const pad = 16 - (plain.length % 16);
      return execFileSync('openssl', ['enc', '-aes-256-cfb', '-nopad', '-K', key.toString('hex'), '-iv', seed.toString('hex')], { input: Buffer.concat([plain, Buffer.alloc(pad, pad)]) });
    };
    const files = options.media.map((file, index) => ({ name: `${file.name}.enc`, bytes: aes(file.bytes, index) }));
    files.push({ name: 'submission.xml.enc', bytes: aes(Buffer.from(options.xml), options.media.length) });
    const base64Key = rsa(key).toString('base64');
    const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');
    const signed =
      [options.formId, options.version, base64Key, options.instanceId, ...options.media.map((file) => `${file.name}::${md5(file.bytes)}`), `submission.xml::${md5(options.xml)}`].join('\n') + '\n';
    const signature = rsa(createHash('md5').update(signed).digest()).toString('base64');
    const manifestXml =
      `<?xml version='1.0' encoding='UTF-8' ?><data xmlns="http://www.opendatakit.org/xforms/encrypted" id="${options.formId}" version="${options.version}" encrypted="yes">` +
      `<base64EncryptedKey>${base64Key}</base64EncryptedKey><meta xmlns="http://openrosa.org/xforms"><instanceID>${options.instanceId}</instanceID></meta>` +
      options.media.map((file) => `<media><file>${file.name}.enc</file></media>`).join('') +
      `<encryptedXmlFile>submission.xml.enc</encryptedXmlFile><base64EncryptedElementSignature>${signature}</base64EncryptedElementSignature></data>`;
    return { manifestXml, files };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A form's key pair, as an administrator makes one with OpenSSL. */
export function formKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const privateKeyPem = execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], { encoding: 'utf8' });
  const publicKeyPem = execFileSync('openssl', ['pkey', '-pubout'], { input: privateKeyPem, encoding: 'utf8' });
  return { privateKeyPem, publicKeyPem };
}
