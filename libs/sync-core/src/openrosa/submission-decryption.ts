import { constants, createDecipheriv, createHash, privateDecrypt } from 'node:crypto';

/**
 * Decryption of ODK encrypted submissions (the XForms encryption spec, as ODK Collect writes
 * them and ODK Briefcase reads them): the AES-256 key is wrapped with RSA-OAEP (SHA-256, MGF1
 * with SHA-1), each file is AES-256-CFB with PKCS#5 padding, and the IV of the n-th file (media
 * files in the manifest's order, then submission.xml) is the MD5 of the instance id and the key,
 * its byte n % 16 raised by one for each file so far. It runs where the private key is (the
 * `fieldsync download --private-key` command), never on the server.
 */
export class SubmissionDecryptionError extends Error {}

const SHA256_LENGTH = 32;

function mgf1Sha1(seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 20 < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash('sha1').update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, index) => byte ^ b[index]!));

/** The submission's AES key from its base64EncryptedKey. Node's OAEP takes one hash for both parts, so the padding is undone here (RFC 8017, 7.1.2). */
export function unwrapSubmissionKey(privateKeyPem: string, base64EncryptedKey: string): Buffer {
  let encoded: Buffer;
  try {
    encoded = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_NO_PADDING }, Buffer.from(base64EncryptedKey, 'base64'));
  } catch (error) {
    throw new SubmissionDecryptionError(`the private key cannot open this submission's key: ${(error as Error).message}`);
  }
  const maskedSeed = encoded.subarray(1, 1 + SHA256_LENGTH);
  const maskedBlock = encoded.subarray(1 + SHA256_LENGTH);
  const seed = xor(maskedSeed, mgf1Sha1(maskedBlock, SHA256_LENGTH));
  const block = xor(maskedBlock, mgf1Sha1(seed, maskedBlock.length));
  const labelHash = createHash('sha256').digest();
  const separator = block.indexOf(1, SHA256_LENGTH);
  if (encoded[0] !== 0 || !block.subarray(0, SHA256_LENGTH).equals(labelHash) || separator < 0 || block.subarray(SHA256_LENGTH, separator).some((byte) => byte !== 0)) {
    throw new SubmissionDecryptionError('this is not the private key of the form the submission was encrypted for');
  }
  const key = block.subarray(separator + 1);
  if (key.length !== 32) throw new SubmissionDecryptionError(`the submission's key is ${key.length} bytes, not 32`);
  return key;
}

/** The IV of each of a submission's `count` files, in order. */
export function submissionIvs(instanceId: string, key: Buffer, count: number): Buffer[] {
  const seed = createHash('md5').update(instanceId, 'utf8').update(key).digest();
  const ivs: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    seed[index % 16] = (seed[index % 16]! + 1) & 0xff;
    ivs.push(Buffer.from(seed));
  }
  return ivs;
}

/** One file decrypted, its PKCS#5 padding removed. */
export function decryptSubmissionFile(key: Buffer, iv: Buffer, encrypted: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-cfb', key, iv);
  const padded = Buffer.concat([decipher.update(encrypted), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 16 || padded.length < pad || padded.subarray(padded.length - pad).some((byte) => byte !== pad)) {
    throw new SubmissionDecryptionError('a file of the submission does not decrypt with its key (wrong key, or the file was changed)');
  }
  return padded.subarray(0, padded.length - pad);
}
