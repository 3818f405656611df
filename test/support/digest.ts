import { createHash } from 'node:crypto';

/** The hex sha256 of some bytes: how FieldSync names stored files and attachments. */
export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
