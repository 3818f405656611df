/** The admin API as the console calls it: the session cookie signs every call, the CSRF token every change. */
let csrfToken: string | null = null;

export function rememberCsrf(token: string | null): void {
  csrfToken = token;
}

/** A refusal from the server, with its own words (they say what to do next). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, options: { method?: string; body?: unknown; raw?: BodyInit; contentType?: string } = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let body: BodyInit | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    if (options.contentType) headers['Content-Type'] = options.contentType;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check the network, then try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json = text ? safeJson(text) : null;
  if (!response.ok) {
    // Every error is problem details (RFC 9457): `detail` says what went wrong.
    const detail = json && typeof json === 'object' && 'detail' in json ? (json as { detail: unknown }).detail : text;
    throw new ApiError(response.status, String(detail || response.statusText));
  }
  return json as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export type ProjectRole = 'manager' | 'viewer';

export interface Me {
  kind: 'person';
  person: { id: string; login: string; displayName: string; siteAdmin: boolean };
  projects: 'all' | { slug: string; role: ProjectRole }[];
  csrfToken: string;
  expiresAt: string;
}

export interface Project {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

export interface Overview {
  slug: string;
  name: string;
  sightings: number;
  devices: number;
  waiting: number;
  failed: number;
  lastUploadAt: string | null;
  uploadsPerDay: { day: string; batches: number }[];
}

export interface Device {
  id: string;
  name: string;
  login: string;
  enabled: boolean;
  createdAt: string;
  lastSeenAt: string | null;
  lastDoor: string | null;
  lastBatchStatus: string | null;
  /** Wrong secrets sent for it in the last 15 minutes, from any address. */
  wrongSecrets?: number;
}

export interface DeviceSetup {
  /** Set when the addresses below would point phones at themselves (no QR codes then). */
  addressWarning: string | null;
  deviceUrl: string;
  odkCollect: { serverUrl: string; settingsQrText: string; settingsQrSvg: string | null };
  cyberTracker: {
    http: { url: string; username: string; password: string; qrSvg: string | null };
    ftp: { url: string; username: string; password: string; qrSvg: string | null };
    odkConnector: { submissionUrl: string };
    earthRangerConnector: { server: string; token: string };
  };
}

export interface Batch {
  id: string;
  deviceId: string | null;
  door: string;
  fileName: string | null;
  format: string | null;
  status: string;
  counts: { records: number; new: number; updated: number; duplicate: number; rejected: number };
  error: string | null;
  receivedAt: string;
  consolidatedAt: string | null;
  rejections?: { index: number; reason: string }[];
}

export interface Attachment {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface Sighting {
  id: string;
  deviceId: string | null;
  kind: string;
  observedAt: string | null;
  latitude: number | null;
  longitude: number | null;
  altitude: number | null;
  accuracy: number | null;
  data: Record<string, unknown>;
  attachments: Attachment[];
  deleted: boolean;
  revision: number;
  seq: number;
  batchId: string;
  reviewState: ReviewState;
}

export type ReviewState = 'received' | 'approved' | 'hasIssues' | 'rejected' | 'edited';

export interface SightingComment {
  id: string;
  author: string;
  text: string;
  createdAt: string;
}

export interface SightingPage {
  sightings: Sighting[];
  /** The cursor to pass as `after` for the page that follows. */
  next: string;
}
