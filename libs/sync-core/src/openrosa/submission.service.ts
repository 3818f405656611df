import { createHash } from 'node:crypto';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { keepAttachmentInTx } from '../db/repositories/attachment.repository.js';
import { SubmissionInstanceRepository } from '../db/repositories/submission-instance.repository.js';
import { AttachmentRef, Batch, Device, Project, SubmissionInstance } from '../db/entities/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { isObject } from '../formats/cybertracker-geojson.decoder.js';
import { deprecatedIdOf, instanceIdOf, OpenRosaEnvelope, parseSubmissionXml, submissionFormOf } from '../formats/openrosa.decoder.js';
import { PendingBlob } from '../ingest/blob-store.js';
import { IngestService } from '../ingest/ingest.service.js';
import { FormService } from './form.service.js';

const MAX_INSTANCE_ID_CHARS = 128;

/** ODK Central's words for the same refusal, which Collect shows to the person. */
export class SubmissionConflictError extends ConflictError {
  constructor() {
    super('A submission already exists with this ID, but with different XML. Resubmissions to attach additional multimedia must resubmit an identical xml_submission_file.');
  }
}

export interface ReceivedAttachment {
  name: string;
  contentType: string;
  pending: PendingBlob;
}

/**
 * - `created`: a new instance (or an edit, which becomes the next revision of its first instance);
 * - `completed`: more attachments for an instance already received (a split submission);
 * - `duplicate`: nothing that was not already stored.
 */
export type SubmissionOutcome = { outcome: 'created' | 'completed' | 'duplicate'; batch: Batch | null };

/**
 * Takes OpenRosa submissions as ODK Central does: an instance id stands for one XML for good
 * (the same id with other XML is refused, nothing changed); the same XML again adds the
 * attachments it carries; `meta/deprecatedID` makes an edit of the instance it names, chains
 * of edits included, carrying over the attachments the new XML still names. The decision
 * and the rows that record it are committed with the batch.
 */
export class SubmissionService {
  private readonly instances = new SubmissionInstanceRepository();

  constructor(
    private readonly database: Database,
    private readonly ingest: IngestService,
    private readonly forms: FormService,
  ) {}

  /**
   * A project that publishes forms takes submissions of those forms and versions only, as ODK
   * Central does (404 with its words), unless the project accepts unknown forms. A project without
   * forms takes every submission: CyberTracker's ODK connector submits to such projects.
   */
  private async refuseUnknownForm(projectId: string, xmlFormId: string | null, version: string): Promise<void> {
    const [project, published] = await Promise.all([this.database.read((manager) => manager.findOneBy(Project, { id: projectId })), this.forms.listWithVersions({ id: projectId })]);
    if (published.length === 0 || project?.acceptUnknownForms) return;
    const versions = published.find((form) => form[0]!.xmlFormId === xmlFormId);
    if (!versions) throw new NotFoundError(`Could not find the form "${xmlFormId ?? ''}" in this project: it takes submissions of ${published.map((form) => form[0]!.xmlFormId).join(', ')} only.`);
    if (!versions.some((form) => form.version === version)) throw new NotFoundError(versionNotFound(version));
  }

  async receive(device: Device, xml: Buffer, received: ReceivedAttachment[]): Promise<SubmissionOutcome> {
    const xmlText = xml.toString('utf8');
    const fields = parseSubmissionXml(xmlText);
    const instanceId = instanceIdOf(fields);
    if (!instanceId) throw new InvalidInputError('the submission has no meta/instanceID');
    if (instanceId.length > MAX_INSTANCE_ID_CHARS) throw new InvalidInputError(`meta/instanceID is longer than ${MAX_INSTANCE_ID_CHARS} characters`);
    const deprecatedId = deprecatedIdOf(fields)?.slice(0, MAX_INSTANCE_ID_CHARS) ?? null;
    const { xmlFormId, version } = submissionFormOf(xmlText);
    await this.refuseUnknownForm(device.projectId, xmlFormId, version);
    const xmlSha256 = createHash('sha256').update(xml).digest('hex');
    const projectId = device.projectId;

    const instance = (id: string) => this.database.read((manager) => manager.findOneBy(SubmissionInstance, { projectId, instanceId: id }));
    const existing = await instance(instanceId);
    if (existing && existing.xmlSha256 !== xmlSha256) throw new SubmissionConflictError();
    const parts: AttachmentRef[] = received.map(({ name, contentType, pending }) => ({ name, contentType: contentType.slice(0, 100), size: pending.size, sha256: pending.sha256 }));
    let rootUid = instanceId;
    let earlier: AttachmentRef[] = [];
    // When the chain of edits was first received: the time of a record whose form records none.
    let receivedAt = nowIso();
    if (existing) {
      rootUid = existing.rootUid;
      receivedAt = existing.receivedAt;
      earlier = existing.attachments;
      const known = new Set(earlier.map((file) => `${file.name}\n${file.sha256}`));
      if (parts.every((file) => known.has(`${file.name}\n${file.sha256}`))) return { outcome: 'duplicate', batch: null };
    } else if (deprecatedId) {
      const edited = await instance(deprecatedId);
      rootUid = edited?.rootUid ?? deprecatedId;
      receivedAt = edited?.receivedAt ?? receivedAt;
      const named = leafTexts(fields);
      earlier = (edited?.attachments ?? []).filter((file) => named.has(file.name));
    }
    const attachments = [...new Map([...earlier, ...parts].map((file) => [file.name, file])).values()];
    const envelope: OpenRosaEnvelope = {
      openrosa: 1,
      xml: xmlText,
      attachments,
      uid: rootUid,
      receivedAt,
      form: xmlFormId ? await this.forms.fieldsOf(projectId, xmlFormId, version) : null,
    };
    const batch = await this.ingest.accept({ projectId, deviceId: device.id, door: 'openrosa', fileName: instanceId, body: [Buffer.from(JSON.stringify(envelope))] }, async (manager) => {
      for (const { name, contentType, pending } of received) await keepAttachmentInTx(manager, projectId, name, contentType, pending);
      if (existing) await this.instances.setAttachmentsInTx(manager, projectId, instanceId, attachments);
      else await this.instances.recordInTx(manager, { projectId, instanceId, rootUid, xmlSha256, attachments, receivedAt });
    });
    return { outcome: existing ? 'completed' : 'created', batch };
  }
}

/** Central's words for a version it does not have, which Collect shows to the person. */
const versionNotFound = (version: string) => `The form version specified in this submission '${version}' does not exist.`;

/** Every text value anywhere in the submission: the file names it still refers to are among them. */
function leafTexts(node: unknown, out = new Set<string>(), depth = 0): Set<string> {
  if (depth > 64) return out;
  if (typeof node === 'string') out.add(node.trim());
  else if (Array.isArray(node)) for (const item of node) leafTexts(item, out, depth + 1);
  else if (isObject(node)) for (const value of Object.values(node)) leafTexts(value, out, depth + 1);
  return out;
}
