import { createHash } from 'node:crypto';
import { keepAttachmentInTx } from '../db/repositories/attachment.repository.js';
import { Database } from '../db/database.js';
import { Batch, Device } from '../db/entities/index.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { isObject } from '../formats/cybertracker-geojson.decoder.js';
import { EarthRangerEnvelope, eventToRecord } from '../formats/earthranger-event.decoder.js';
import { BlobStore, PendingBlob } from '../ingest/blob-store.js';
import { IngestService } from '../ingest/ingest.service.js';

const MAX_ENVELOPE_BYTES = 16 * 1024 * 1024;
const MAX_NOTE_CHARS = 10_000;

/** A UUID made from a hash, so the same device sending the same bytes again gets the same event id. */
function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Events as CyberTracker's EarthRanger connector posts them: the event, then each photo and the
 * note to the event's URL, and PATCHes of the event when it is edited. Each call stores the
 * event's whole current state as a batch (its id is the sighting's uid), so the merge sees
 * a photo or a note as a new version of the same sighting, in the order they were posted.
 */
export class EarthRangerEventService {
  constructor(
    private readonly database: Database,
    private readonly blobs: BlobStore,
    private readonly ingest: IngestService,
  ) {}

  async create(device: Device, body: Buffer): Promise<string> {
    const event = parseEvent(body);
    const id = uuidFrom(`${device.id}\n${createHash('sha256').update(body).digest('hex')}`);
    await this.store(device, { earthranger: 1, id, event, files: [], notes: [] });
    return id;
  }

  /** The event's fields replaced by those sent; photos and notes stay. */
  async patch(device: Device, id: string, body: Buffer): Promise<void> {
    const current = await this.current(device, id);
    await this.store(device, { ...current, event: { ...current.event, ...parseEvent(body, false) } });
  }

  async addFile(device: Device, id: string, name: string, contentType: string, pending: PendingBlob): Promise<void> {
    const current = await this.current(device, id);
    const ref = { name: name.slice(0, 255), contentType: contentType.slice(0, 100), size: pending.size, sha256: pending.sha256 };
    const files = [...current.files.filter((file) => file.name !== ref.name), ref];
    await this.store(device, { ...current, files }, (manager) => keepAttachmentInTx(manager, device.projectId, name, contentType, pending).then(() => undefined));
  }

  async addNote(device: Device, id: string, text: string): Promise<void> {
    if (!text.trim() || text.length > MAX_NOTE_CHARS) throw new InvalidInputError(`a note is 1-${MAX_NOTE_CHARS} characters of "text"`);
    const current = await this.current(device, id);
    await this.store(device, { ...current, notes: [...current.notes, text] });
  }

  private store(device: Device, envelope: EarthRangerEnvelope, alsoCommit?: Parameters<IngestService['accept']>[1]): Promise<Batch> {
    return this.ingest.accept({ projectId: device.projectId, deviceId: device.id, door: 'earthranger', fileName: envelope.id, body: [Buffer.from(JSON.stringify(envelope))] }, alsoCommit);
  }

  /** The event's state as last stored, from the newest of its batches; another project's event is not found. */
  private async current(device: Device, id: string): Promise<EarthRangerEnvelope> {
    const [batch] = await this.database.read((manager) => manager.find(Batch, { where: { projectId: device.projectId, door: 'earthranger', fileName: id }, order: { receivedAt: 'DESC' }, take: 1 }));
    const bytes = batch && (await this.blobs.readSmall([batch.blobId], MAX_ENVELOPE_BYTES)).get(batch.blobId);
    if (!bytes) throw new NotFoundError(`no event "${id}"`);
    return JSON.parse(bytes.toString('utf8')) as EarthRangerEnvelope;
  }
}

function parseEvent(body: Buffer, whole = true): Record<string, unknown> {
  let event: unknown;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new InvalidInputError(`the event is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(event)) throw new InvalidInputError('the event must be a JSON object');
  if (whole) {
    try {
      eventToRecord(event, null);
    } catch (error) {
      throw new InvalidInputError((error as Error).message);
    }
  }
  return event;
}
