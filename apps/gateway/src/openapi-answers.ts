/**
 * What the admin API's main reads answer, as OpenAPI schemas (3.0: `nullable` for null). Kept in
 * one place beside the document; test/openapi.e2e.ts calls each of these routes on a populated
 * server and checks every answer against its schema.
 */
const text = { type: 'string' };
const nullableText = { type: 'string', nullable: true };
const time = { type: 'string', format: 'date-time' };
const nullableTime = { ...time, nullable: true };
const integer = { type: 'integer' };
const nullableNumber = { type: 'number', nullable: true };
const id = { type: 'string', format: 'uuid' };
const object = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({ type: 'object', required, properties });
const listOf = (key: string, item: unknown, extra: Record<string, unknown> = {}) => object({ [key]: { type: 'array', items: item }, ...extra });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const ANSWER_SCHEMAS: Record<string, unknown> = {
  Counts: object({ records: integer, new: integer, updated: integer, duplicate: integer, rejected: integer }),
  Project: object({ id, slug: text, name: text, createdAt: time }),
  Batch: object(
    {
      id,
      projectId: id,
      deviceId: { ...id, nullable: true },
      door: text,
      fileName: nullableText,
      format: nullableText,
      status: { type: 'string', enum: ['received', 'processing', 'consolidated', 'rejected', 'failed'] },
      counts: ref('Counts'),
      error: nullableText,
      receivedAt: time,
      consolidatedAt: nullableTime,
      rejections: { type: 'array', items: object({ index: integer, reason: text }) },
    },
    ['id', 'projectId', 'deviceId', 'door', 'fileName', 'format', 'status', 'counts', 'error', 'receivedAt', 'consolidatedAt'],
  ),
  Attachment: object({ name: text, contentType: text, size: integer, sha256: text }),
  Sighting: object({
    id: text,
    deviceId: { ...nullableText, description: 'the device id the record names itself' },
    deviceName: { ...nullableText, description: 'the registered device that sent it, as it is named now' },
    deviceLogin: nullableText,
    kind: { type: 'string', enum: ['sighting', 'waypoint', 'alert'] },
    observedAt: nullableText,
    latitude: nullableNumber,
    longitude: nullableNumber,
    altitude: nullableNumber,
    accuracy: nullableNumber,
    data: { type: 'object', additionalProperties: true, description: "the record's own fields" },
    attachments: { type: 'array', items: ref('Attachment') },
    deleted: { type: 'boolean' },
    revision: integer,
    seq: integer,
    batchId: id,
  }),
  Device: object(
    {
      id,
      name: text,
      login: text,
      enabled: { type: 'boolean' },
      createdAt: time,
      lastSeenAt: nullableTime,
      lastDoor: nullableText,
      lastBatchStatus: nullableText,
      wrongSecrets: { ...integer, description: 'wrong secrets sent for the device in the last 15 minutes, from any address' },
    },
    ['id', 'name', 'login', 'enabled', 'createdAt'],
  ),
  Token: object({
    id: text,
    name: text,
    role: { type: 'string', enum: ['admin', 'read-only'] },
    createdAt: time,
    owner: nullableText,
    lastUsedAt: nullableTime,
    revokedAt: nullableTime,
    projects: { type: 'array', items: text, nullable: true, description: 'project slugs; null for every project' },
  }),
  Source: object({
    id,
    projectId: id,
    url: text,
    username: nullableText,
    everyMinutes: integer,
    deleteAfterIngest: { type: 'boolean' },
    lastRunAt: nullableTime,
    lastSuccessAt: nullableTime,
    lastError: nullableText,
    createdAt: time,
    hasPassword: { type: 'boolean' },
  }),
  Subscription: object(
    {
      id,
      projectId: id,
      name: text,
      url: text,
      format: text,
      kind: nullableText,
      deviceId: nullableText,
      batchSize: integer,
      enabled: { type: 'boolean' },
      cursor: integer,
      pendingTo: { type: 'integer', nullable: true },
      attempts: integer,
      nextAttemptAt: nullableTime,
      firstFailedAt: nullableTime,
      lastError: nullableText,
      lastDeliveredAt: nullableTime,
      createdAt: time,
      headerNames: { type: 'array', items: text },
      state: { type: 'string', enum: ['ok', 'retrying', 'failing', 'disabled'] },
    },
    ['id', 'projectId', 'name', 'url', 'format', 'batchSize', 'enabled', 'cursor', 'attempts', 'createdAt', 'headerNames', 'state'],
  ),
  Person: object({
    id,
    login: text,
    displayName: text,
    siteAdmin: { type: 'boolean' },
    enabled: { type: 'boolean' },
    createdAt: time,
    projects: { type: 'array', items: object({ projectId: id, role: { type: 'string', enum: ['manager', 'viewer'] } }) },
  }),
  Form: object(
    {
      xmlFormId: text,
      version: text,
      name: text,
      md5: text,
      createdAt: time,
      media: { type: 'array', items: { type: 'object', additionalProperties: true } },
      versions: { type: 'array', items: object({ version: text, md5: text, createdAt: time }) },
    },
    ['xmlFormId', 'version', 'name', 'md5', 'createdAt', 'media'],
  ),
  AuditEvent: object({
    id: integer,
    at: time,
    actor: text,
    address: text,
    action: text,
    projectId: { ...id, nullable: true },
    project: { ...nullableText, description: "the project's slug; null for a site-wide event or a deleted project" },
    target: nullableText,
    details: { type: 'object', nullable: true, additionalProperties: true },
  }),
};

const projectAnswer = object({ id, slug: text, name: text });
const deviceWithSecret = {
  allOf: [
    ref('Device'),
    object({
      secret: { type: 'string', description: 'shown this once' },
      setup: { type: 'object', additionalProperties: true, description: 'what each kind of device is configured with (URLs, QR codes)' },
    }),
  ],
};

/** The success answer of each documented operation ("method /path"): reads 200, creations 201. */
export const ANSWERS: Record<string, unknown> = {
  'post /api/v1/projects': { status: '201', schema: projectAnswer },
  'patch /api/v1/projects/{slug}': projectAnswer,
  'delete /api/v1/projects/{slug}': object({
    slug: text,
    deleted: object(Object.fromEntries(['sightings', 'revisions', 'batches', 'devices', 'attachments', 'sources', 'forms', 'subscriptions', 'files', 'tokensRevoked'].map((key) => [key, integer]))),
  }),
  'post /api/v1/projects/{slug}/devices': { status: '201', schema: deviceWithSecret },
  'post /api/v1/projects/{slug}/devices/{deviceId}/secret': { status: '201', schema: deviceWithSecret },
  'patch /api/v1/projects/{slug}/devices/{deviceId}': ref('Device'),
  'delete /api/v1/projects/{slug}/devices/{deviceId}/lockout': ref('Device'),
  'post /api/v1/tokens': { status: '201', schema: { allOf: [ref('Token'), object({ token: { type: 'string', description: 'shown this once' } })] } },
  'get /api/v1/projects': listOf('projects', ref('Project')),
  'get /api/v1/projects/{slug}/overview': object({
    slug: text,
    name: text,
    sightings: integer,
    devices: integer,
    waiting: integer,
    failed: integer,
    lastUploadAt: nullableTime,
    uploadsPerDay: { type: 'array', items: object({ day: { type: 'string', format: 'date' }, batches: integer }) },
  }),
  'get /api/v1/projects/{slug}/devices': listOf('devices', ref('Device')),
  'get /api/v1/projects/{slug}/batches': listOf('batches', ref('Batch'), { asOf: time }),
  'get /api/v1/batches/{id}': ref('Batch'),
  'get /api/v1/projects/{slug}/sightings/{uid}': object({
    sighting: { allOf: [ref('Sighting'), object({ receivedAt: time, updatedAt: time })] },
    earlierVersions: { type: 'array', items: object({ uid: text, seq: integer, revision: integer, receivedAt: time }, ['uid', 'seq', 'revision', 'receivedAt']) },
  }),
  'get /api/v1/tokens': listOf('tokens', ref('Token')),
  'get /api/v1/audit': listOf('events', ref('AuditEvent'), { next: { type: 'string', description: 'pass back as `after`' } }),
  'get /api/v1/projects/{slug}/sources': listOf('sources', ref('Source')),
  'post /api/v1/projects/{slug}/sources': { status: '201', schema: ref('Source') },
  'get /api/v1/projects/{slug}/subscriptions': listOf('subscriptions', ref('Subscription')),
  'post /api/v1/projects/{slug}/subscriptions': { status: '201', schema: { allOf: [ref('Subscription'), object({ secret: { type: 'string', description: 'the signing secret, shown this once' } })] } },
  'get /api/v1/people': listOf('people', ref('Person')),
  'post /api/v1/people': { status: '201', schema: ref('Person') },
  'get /api/v1/projects/{slug}/forms': listOf('forms', ref('Form')),
  'get /api/v1/console/settings': object({
    mapTiles: { ...object({ url: text, attribution: text }), nullable: true },
    ftp: object({ port: integer, requireTls: { type: 'boolean' } }),
  }),
};

/** The JSON page of the feed (format=json, the default); other formats are files. */
export const FEED_PAGE = listOf('sightings', ref('Sighting'), { next: { type: 'string', description: 'pass back as `after`' } });
