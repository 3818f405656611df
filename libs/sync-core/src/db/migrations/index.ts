import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { Attachments1764100000000 } from './1764100000000-attachments.js';
import { PullSources1764200000000 } from './1764200000000-pull-sources.js';
import { BlobChunkLz41764300000000 } from './1764300000000-blob-chunk-lz4.js';
import { OpenRosaForms1764400000000 } from './1764400000000-openrosa-forms.js';
import { People1764500000000 } from './1764500000000-people.js';
import { Console1764600000000 } from './1764600000000-console.js';
import { Subscriptions1764700000000 } from './1764700000000-subscriptions.js';
import { BlobFiles1764800000000 } from './1764800000000-blob-files.js';
import { SightingWithoutProjectKey1764900000000 } from './1764900000000-sighting-without-project-key.js';
import { VersionSeqIndex1765000000000 } from './1765000000000-version-seq-index.js';
import { CredentialOwners1765100000000 } from './1765100000000-credential-owners.js';
import { ProjectUnknownForms1765200000000 } from './1765200000000-project-unknown-forms.js';
import { BatchMergeProgress1765300000000 } from './1765300000000-batch-merge-progress.js';
import { ReviewDesk1765400000000 } from './1765400000000-review-desk.js';
import { SightingProjectRowIndex1765500000000 } from './1765500000000-sighting-project-row-index.js';

/** In the order they run; a new migration is appended here. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  Attachments1764100000000,
  PullSources1764200000000,
  BlobChunkLz41764300000000,
  OpenRosaForms1764400000000,
  People1764500000000,
  Console1764600000000,
  Subscriptions1764700000000,
  BlobFiles1764800000000,
  SightingWithoutProjectKey1764900000000,
  VersionSeqIndex1765000000000,
  CredentialOwners1765100000000,
  ProjectUnknownForms1765200000000,
  BatchMergeProgress1765300000000,
  ReviewDesk1765400000000,
  SightingProjectRowIndex1765500000000,
];
