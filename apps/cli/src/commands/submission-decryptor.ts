import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AttachmentFile, cleanPartName, decryptSubmissionFile, parseSubmissionXml, SightingView, submissionFormOf, submissionIvs, submissionToRecord, unwrapSubmissionKey } from '@fieldsync/sync-core';

interface EncryptedFields {
  formId?: string;
  formVersion?: string;
  encrypted: true;
  instanceID?: string | null;
  base64EncryptedKey: string;
  encryptedFiles: string[];
}

export const isEncrypted = (view: SightingView) => (view.data as Partial<EncryptedFields>).encrypted === true && typeof view.data.base64EncryptedKey === 'string';

/**
 * Turns an encrypted sighting of a download into what its submission held, here where the
 * private key is (as ODK Briefcase does): the XML becomes the sighting's fields, time and place;
 * the media files are written, decrypted, to `mediaDir/<instance id>/`.
 */
export class SubmissionDecryptor {
  constructor(
    private readonly privateKeyPem: string,
    private readonly fetchAttachment: (sha256: string) => Promise<Buffer>,
    private readonly mediaDir: string,
  ) {}

  async open(view: SightingView): Promise<SightingView> {
    const sealed = view.data as unknown as EncryptedFields;
    const instanceId = sealed.instanceID ?? view.id;
    const key = unwrapSubmissionKey(this.privateKeyPem, sealed.base64EncryptedKey);
    const ivs = submissionIvs(instanceId, key, sealed.encryptedFiles.length);
    const stored = new Map((view.attachments as { name: string; sha256: string }[]).map((file) => [file.name, file]));
    const opened = await Promise.all(
      sealed.encryptedFiles.map(async (name, index) => {
        const file = stored.get(name);
        if (!file) throw new Error(`its file ${name} has not reached the server`);
        return { name: name.replace(/\.enc$/, ''), bytes: decryptSubmissionFile(key, ivs[index]!, await this.fetchAttachment(file.sha256)) };
      }),
    );
    const xml = opened.pop()!.bytes.toString('utf8');
    const folder = join(this.mediaDir, instanceId.replace(/[^\w.-]/g, '_'));
    if (opened.length > 0) await mkdir(folder, { recursive: true });
    const media = new Map<string, AttachmentFile>();
    for (const file of opened) {
      const name = cleanPartName(file.name) ?? 'file';
      await writeFile(join(folder, name), file.bytes);
      media.set(name.normalize('NFC'), { name, contentType: 'application/octet-stream', bytes: file.bytes });
    }
    const { xmlFormId, version } = submissionFormOf(xml);
    const record = submissionToRecord(parseSubmissionXml(xml), { files: media, uid: view.id, receivedAt: view.observedAt, xmlFormId, formVersion: version });
    return {
      ...view,
      observedAt: record.observedAt,
      latitude: record.latitude,
      longitude: record.longitude,
      altitude: record.altitude,
      accuracy: record.accuracy,
      deviceId: record.deviceId ?? view.deviceId,
      data: record.data,
    };
  }
}
