import { Database } from '../db/database.js';
import { Attachment, Blob, Project } from '../db/entities/index.js';
import { NotFoundError } from '../errors.js';
import { BlobStore } from '../ingest/blob-store.js';

export class AttachmentService {
  constructor(
    private readonly database: Database,
    private readonly blobs: BlobStore,
  ) {}

  /** A photo or recording of this project, by content hash; other projects' attachments are "not found". */
  async open(project: Project, sha256: string): Promise<{ attachment: Attachment; size: number; bytes: AsyncGenerator<Buffer> }> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new NotFoundError('an attachment is named by its sha256 (64 hex digits)');
    const attachment = await this.database.read((manager) => manager.findOneBy(Attachment, { projectId: project.id, sha256 }));
    if (!attachment) throw new NotFoundError(`no attachment ${sha256} in project "${project.slug}"`);
    const blob = await this.database.read((manager) => manager.findOneBy(Blob, { id: attachment.blobId }));
    return { attachment, size: blob?.size ?? 0, bytes: this.blobs.stream(attachment.blobId) };
  }
}
