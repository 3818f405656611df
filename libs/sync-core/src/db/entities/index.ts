import { Account, AuditEvent, Membership, Session } from './account.entity.js';
import { AdminToken } from './admin-token.entity.js';
import { Batch, Rejection } from './batch.entity.js';
import { Blob, blobChunkSchema, DatabaseType } from './blob.entity.js';
import { Device } from './device.entity.js';
import { Form, FormMedia, SubmissionInstance } from './form.entity.js';
import { Project } from './project.entity.js';
import { Attachment, ProjectFeed, Sighting } from './sighting.entity.js';
import { Source, SourceFile } from './source.entity.js';
import { Subscription } from './subscription.entity.js';

export * from './account.entity.js';
export * from './admin-token.entity.js';
export * from './batch.entity.js';
export * from './blob.entity.js';
export * from './device.entity.js';
export * from './form.entity.js';
export * from './project.entity.js';
export * from './sighting.entity.js';
export * from './source.entity.js';
export * from './subscription.entity.js';

export function entitiesFor(databaseType: DatabaseType) {
  return [
    Project,
    Device,
    AdminToken,
    Blob,
    blobChunkSchema(databaseType),
    Batch,
    Rejection,
    Sighting,
    ProjectFeed,
    Attachment,
    Source,
    SourceFile,
    Form,
    FormMedia,
    SubmissionInstance,
    Account,
    Membership,
    Session,
    AuditEvent,
    Subscription,
  ];
}
