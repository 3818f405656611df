import { PendingBlob } from '../../ingest/blob-store.js';
import { Tx } from '../database.js';
import { Attachment, AttachmentRef } from '../entities/index.js';

/**
 * Commits a file a door streamed in as an attachment of the project, inside the caller's
 * transaction (the batch's), and returns how records name it.
 */
export async function keepAttachmentInTx(tx: Tx, projectId: string, name: string, contentType: string, pending: PendingBlob): Promise<AttachmentRef> {
  const blobId = await pending.commit(tx);
  const ref = { name: name.slice(0, 255), contentType: contentType.slice(0, 100), size: pending.size, sha256: pending.sha256 };
  await tx.createQueryBuilder().insert().into(Attachment).values({ projectId, sha256: ref.sha256, blobId, contentType: ref.contentType, name: ref.name }).orIgnore().execute();
  return ref;
}
