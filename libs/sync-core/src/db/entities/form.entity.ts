import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { idColumn, jsonColumn, seqColumn, timeColumn } from '../columns.js';
import { AttachmentRef } from './sighting.entity.js';

/** What a blank form says about its fields, kept so submissions are read with their types. */
export interface FormFields {
  /** Field path below the instance root ("group/field") → XForm type (int, decimal, select, geopoint…). */
  types: Record<string, string>;
  /** Paths of the fields the form fills with the time it was started and finished, if it has them. */
  start: string | null;
  end: string | null;
}

/** One version of a blank XForm of a project; the newest version of each form id is the one served. */
@Entity('form')
@Index(['projectId', 'xmlFormId', 'version'], { unique: true })
export class Form {
  @PrimaryColumn(idColumn) id: string;
  @Column({ ...idColumn, name: 'project_id' }) projectId: string;
  @Column({ type: 'varchar', length: 128, name: 'xml_form_id' }) xmlFormId: string;
  @Column({ type: 'varchar', length: 64 }) version: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  /** OpenRosa lists forms and media with md5 hashes. */
  @Column({ type: 'varchar', length: 32 }) md5: string;
  @Column({ ...idColumn, name: 'blob_id' }) blobId: string;
  @Column(jsonColumn) fields: FormFields;
  @Column({ ...timeColumn, name: 'created_at' }) createdAt: string;
}

@Entity('form_media')
export class FormMedia {
  @PrimaryColumn({ ...idColumn, name: 'form_id' }) formId: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) name: string;
  @Column({ ...idColumn, name: 'blob_id' }) blobId: string;
  @Column({ type: 'varchar', length: 32 }) md5: string;
  @Column({ type: 'varchar', length: 100, name: 'content_type' }) contentType: string;
  @Column(seqColumn) size: number;
}

/** An OpenRosa instance id a project has received: the sighting it belongs to, the XML it stands for, the files received with it. */
@Entity('submission_instance')
export class SubmissionInstance {
  @PrimaryColumn({ ...idColumn, name: 'project_id' }) projectId: string;
  @PrimaryColumn({ type: 'varchar', length: 128, name: 'instance_id' }) instanceId: string;
  /** The first instance id of the chain of edits: the sighting's uid. */
  @Column({ type: 'varchar', length: 128, name: 'root_uid' }) rootUid: string;
  @Column({ type: 'varchar', length: 64, name: 'xml_sha256' }) xmlSha256: string;
  @Column({ type: 'simple-json' }) attachments: AttachmentRef[];
  /** When the first instance of the chain arrived: the observation time of a form that records none. */
  @Column({ ...timeColumn, name: 'received_at' }) receivedAt: string;
}
