import { EntityManager } from 'typeorm';
import { Database } from '../db/database.js';
import { Attachment, AttachmentRef, Blob, Project } from '../db/entities/index.js';
import { NotFoundError } from '../errors.js';
import { BlobStore, PendingBlob } from '../ingest/blob-store.js';

/**
 * Commits a file a door streamed in as an attachment of the project, inside the caller's
 * transaction (the batch's), and returns how records name it.
 */
export async function keepAttachment(manager: EntityManager, projectId: string, name: string, contentType: string, pending: PendingBlob): Promise<AttachmentRef> {
  const blobId = await pending.commit(manager);
  const ref = { name: name.slice(0, 255), contentType: contentType.slice(0, 100), size: pending.size, sha256: pending.sha256 };
  await manager.createQueryBuilder().insert().into(Attachment)
    .values({ projectId, sha256: ref.sha256, blobId, contentType: ref.contentType, name: ref.name }).orIgnore().execute();
  return ref;
}

export class AttachmentService {
  constructor(private readonly database: Database, private readonly blobs: BlobStore) {}

  /** A photo or recording of this project, by content hash; other projects' attachments are "not found". */
  async open(project: Project, sha256: string): Promise<{ attachment: Attachment; size: number; bytes: AsyncGenerator<Buffer> }> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new NotFoundError('an attachment is named by its sha256 (64 hex digits)');
    const attachment = await this.database.read((manager) => manager.findOneBy(Attachment, { projectId: project.id, sha256 }));
    if (!attachment) throw new NotFoundError(`no attachment ${sha256} in project "${project.slug}"`);
    const blob = await this.database.read((manager) => manager.findOneBy(Blob, { id: attachment.blobId }));
    return { attachment, size: blob?.size ?? 0, bytes: this.blobs.stream(attachment.blobId) };
  }
}
