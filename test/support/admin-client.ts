import { ADMIN_TOKEN } from './fieldsync-process.js';

export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** The admin API over real HTTP (Node's fetch), as a script or the CLI would call it. */
export class AdminClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string = ADMIN_TOKEN,
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: CSV, NDJSON, plain text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async createProject(slug: string): Promise<{ id: string; slug: string }> {
    return this.expect(201, 'POST', '/api/v1/projects', { slug, name: `Project ${slug}` });
  }

  async createDevice(slug: string, name = 'handheld'): Promise<{ id: string; login: string; secret: string; setup: any }> {
    return this.expect(201, 'POST', `/api/v1/projects/${slug}/devices`, { name });
  }

  batch(id: string) {
    return this.expect<{ status: string; format: string | null; counts: Record<string, number>; error: string | null; rejections: { index: number; reason: string }[] }>(
      200,
      'GET',
      `/api/v1/batches/${id}`,
    );
  }

  /** Polls until the batch left received/processing. */
  async settled(id: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const batch = await this.batch(id);
      if (!['received', 'processing'].includes(batch.status)) return batch;
      if (Date.now() > deadline) throw new Error(`batch ${id} still ${batch.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Follows `next` from `from` until the feed is exhausted; returns every row seen. */
  async allSightings(slug: string, query = '', from = '0'): Promise<any[]> {
    const rows: any[] = [];
    let after = from;
    for (;;) {
      const page = await this.expect<{ sightings: any[]; next: string }>(200, 'GET', `/api/v1/projects/${slug}/sightings?after=${after}&limit=500${query}`);
      rows.push(...page.sightings);
      if (page.sightings.length === 0) return rows;
      after = page.next;
    }
  }

  async expect<T = any>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.call<T>(method, path, body);
    if (answer.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}
