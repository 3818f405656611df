import { Tx } from '../database.js';
import { AttachmentRef, SubmissionInstance } from '../entities/index.js';

/** Writes to `submission_instance`: what each OpenRosa instance id stands for. */
export class SubmissionInstanceRepository {
  /** Records a new instance id; a concurrent identical submission may have recorded it first, which is fine. */
  async recordInTx(tx: Tx, instance: SubmissionInstance): Promise<void> {
    await tx.createQueryBuilder().insert().into(SubmissionInstance).values(instance).orIgnore().execute();
  }

  async setAttachmentsInTx(tx: Tx, projectId: string, instanceId: string, attachments: AttachmentRef[]): Promise<void> {
    await tx.update(SubmissionInstance, { projectId, instanceId }, { attachments });
  }
}
