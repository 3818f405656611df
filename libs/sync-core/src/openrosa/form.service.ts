import { randomUUID } from 'node:crypto';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Form, FormFields, FormMedia, Project } from '../db/entities/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { BlobStore, PendingBlob } from '../ingest/blob-store.js';
import { cleanPartName } from './part-name.js';
import { readXForm } from './xform.js';

/**
 * A form media file's name as devices will save it: ODK Collect writes each file of a manifest
 * beside the form under the name it is given, so a name that is not its own clean base name
 * ("../x", "a/b", control characters) is refused rather than stored.
 */
export function mediaName(raw: string): string {
  const clean = cleanPartName(raw);
  if (!clean || clean !== raw) throw new InvalidInputError(`"${raw}" is not a usable media file name: give the file's own name, without folders${clean ? ` (such as "${clean}")` : ''}`);
  return clean;
}

/** Whether a stored media name may be handed to a device (rows stored before names were checked may not be). */
export const isCleanMediaName = (name: string) => cleanPartName(name) === name;

export interface MediaFile {
  name: string;
  contentType: string;
  /** Streamed in with its md5: OpenRosa manifests name media by md5. */
  pending: PendingBlob;
}

/**
 * Blank XForms of a project, with their media, as ODK Collect downloads them. A form id has
 * versions; the newest is served. Adding the same version again with the same XML changes
 * nothing, with other XML is refused (Collect would keep the old one: raise the version).
 */
export class FormService {
  constructor(
    private readonly database: Database,
    private readonly blobs: BlobStore,
  ) {}

  async add(project: Project, xml: Buffer, media: MediaFile[]): Promise<{ form: Form; created: boolean }> {
    const blank = readXForm(xml);
    const pending = await this.blobs.streamIn([xml], Number.MAX_SAFE_INTEGER);
    for (const file of media) mediaName(file.name);
    return this.database.transaction(async (manager) => {
      const same = await manager.findOneBy(Form, { projectId: project.id, xmlFormId: blank.xmlFormId, version: blank.version });
      if (same && same.md5 !== blank.md5) {
        throw new ConflictError(`form "${blank.xmlFormId}" version "${blank.version}" exists with other content; give the new form a new version (the version attribute of its instance root)`);
      }
      const form: Form = same ?? {
        id: randomUUID(),
        projectId: project.id,
        xmlFormId: blank.xmlFormId,
        version: blank.version,
        name: blank.name,
        md5: blank.md5,
        blobId: await pending.commit(manager),
        fields: blank.fields,
        createdAt: nowIso(),
      };
      if (!same) await manager.insert(Form, form);
      for (const file of media) await this.putMedia(manager, form, file);
      return { form, created: !same };
    });
  }

  /** Adds or replaces one media file of a form's newest version. */
  async setMedia(project: Project, xmlFormId: string, file: MediaFile): Promise<FormMedia> {
    mediaName(file.name);
    const form = await this.newest(project, xmlFormId);
    return this.database.transaction((manager) => this.putMedia(manager, form, file));
  }

  private async putMedia(manager: Parameters<Parameters<Database['transaction']>[0]>[0], form: Form, file: MediaFile): Promise<FormMedia> {
    const media: FormMedia = {
      formId: form.id,
      name: file.name,
      blobId: await file.pending.commit(manager),
      md5: file.pending.md5 ?? '',
      contentType: file.contentType.slice(0, 100),
      size: file.pending.size,
    };
    await manager.delete(FormMedia, { formId: form.id, name: file.name });
    await manager.insert(FormMedia, media);
    return media;
  }

  /** The newest version of each form of the project. */
  /** The newest version of each form: what devices download. */
  async list(project: Pick<Project, 'id'>): Promise<Form[]> {
    return (await this.listWithVersions(project)).map((versions) => versions[versions.length - 1]!);
  }

  /** Every version of each form, oldest first, forms in id order. */
  async listWithVersions(project: Pick<Project, 'id'>): Promise<Form[][]> {
    const all = await this.database.read((manager) => manager.find(Form, { where: { projectId: project.id }, order: { createdAt: 'ASC' } }));
    const byId = new Map<string, Form[]>();
    for (const form of all) byId.set(form.xmlFormId, [...(byId.get(form.xmlFormId) ?? []), form]);
    return [...byId.values()].sort((a, b) => a[0]!.xmlFormId.localeCompare(b[0]!.xmlFormId));
  }

  async newest(project: Pick<Project, 'id'>, xmlFormId: string): Promise<Form> {
    const [form] = await this.database.read((manager) => manager.find(Form, { where: { projectId: project.id, xmlFormId }, order: { createdAt: 'DESC' }, take: 1 }));
    if (!form) throw new NotFoundError(`no form "${xmlFormId}" in this project`);
    return form;
  }

  media(form: Form): Promise<FormMedia[]> {
    return this.database.read((manager) => manager.find(FormMedia, { where: { formId: form.id }, order: { name: 'ASC' } }));
  }

  async mediaFile(form: Form, name: string): Promise<{ media: FormMedia; bytes: AsyncGenerator<Buffer> }> {
    const media = isCleanMediaName(name) ? await this.database.read((manager) => manager.findOneBy(FormMedia, { formId: form.id, name })) : null;
    if (!media) throw new NotFoundError(`form "${form.xmlFormId}" has no media file "${name}"`);
    return { media, bytes: this.blobs.stream(media.blobId) };
  }

  xml(form: Form): AsyncGenerator<Buffer> {
    return this.blobs.stream(form.blobId);
  }

  /** The field types of the form version a submission names, or of the form's newest version; null for an unknown form. */
  async fieldsOf(projectId: string, xmlFormId: string, version: string): Promise<FormFields | null> {
    const exact = await this.database.read((manager) => manager.findOneBy(Form, { projectId, xmlFormId, version }));
    if (exact) return exact.fields;
    return this.newest({ id: projectId }, xmlFormId).then(
      (form) => form.fields,
      () => null,
    );
  }
}
