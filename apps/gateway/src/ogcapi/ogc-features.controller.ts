import { Controller, Get, Inject, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { FeatureCollections, FIELDSYNC_CONFIG, InvalidInputError, NO_FILTER, Project, ProjectService } from '@fieldsync/sync-core';
import type { FeatureQuery, FieldSyncConfig } from '@fieldsync/sync-core';
import { AdminAuthGuard, BasicChallenge, CurrentAdmin } from '../admin/admin-auth.guard.js';
import type { Principal } from '../admin/admin-auth.guard.js';
import { publicBase } from '../public-address.js';

const GEOJSON = 'application/geo+json';
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
/** GIS tools page through whole collections: 10 (the standard's example) made them ask a hundred times as often. */
const DEFAULT_LIMIT = 1_000;
const MAX_LIMIT = 10_000;
/** Query parameters of an items request; any other names a field of the records to equal. */
const ITEM_PARAMETERS = new Set(['limit', 'bbox', 'bbox-crs', 'datetime', 'cursor', 'f', 'crs']);
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

function instant(text: string, name: string): string | null {
  if (text === '..' || text === '') return null;
  if (!INSTANT.test(text) || Number.isNaN(Date.parse(text)))
    throw new InvalidInputError(`${name} must be an RFC 3339 date-time (2026-03-01T10:00:00Z), a date, or an interval of them with / (.. for open)`);
  return text.length === 10 ? `${text}T00:00:00Z` : text;
}

const escapeHtml = (text: unknown) => String(text ?? '').replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!);

/** Whether the client prefers HTML (a browser) to JSON (GDAL, QGIS, scripts), as the standard asks a server to serve both. */
const wantsHtml = (request: Request) => request.accepts(['application/json', 'application/geo+json', 'text/html']) === 'text/html';

/** A plain page: the standard's HTML encoding, for a person who opens the address in a browser. */
function htmlPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} – FieldSync</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const linkList = (links: { href: string; title?: string; rel: string }[]) =>
  `<ul>${links.map((link) => `<li><a href="${escapeHtml(link.href)}">${escapeHtml(link.title ?? link.rel)}</a></li>`).join('')}</ul>`;

/** The OGC API – Features query of an items request. */
export function featureQuery(params: Record<string, unknown>): FeatureQuery {
  const text = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : undefined);
  let bbox: FeatureQuery['bbox'] = null;
  const box = text('bbox');
  if (box !== undefined) {
    const numbers = box.split(',').map(Number);
    if (!(numbers.length === 4 || numbers.length === 6) || numbers.some((value) => !Number.isFinite(value))) throw new InvalidInputError('bbox must be four numbers: west,south,east,north (CRS84)');
    const [west, south, east, north] = numbers.length === 4 ? numbers : [numbers[0], numbers[1], numbers[3], numbers[4]];
    bbox = [west!, south!, east!, north!];
  }
  let observedFrom: string | null = null;
  let observedTo: string | null = null;
  const datetime = text('datetime');
  if (datetime !== undefined) {
    const parts = datetime.split('/');
    if (parts.length > 2) throw new InvalidInputError('datetime must be an instant or one interval start/end');
    if (parts.length === 1) {
      observedFrom = instant(parts[0]!, 'datetime');
      // A date alone is that whole day; an instant is itself.
      observedTo = parts[0]!.length === 10 ? `${parts[0]}T23:59:59.999Z` : observedFrom;
    } else {
      observedFrom = instant(parts[0]!, 'datetime');
      observedTo = parts[1]!.length === 10 ? `${parts[1]}T23:59:59.999Z` : instant(parts[1]!, 'datetime');
    }
  }
  const equals = Object.entries(params)
    .filter(([name, value]) => !ITEM_PARAMETERS.has(name) && typeof value === 'string')
    .map(([name, value]): [string, string] => [name, value as string]);
  return { filter: NO_FILTER, bbox, observedFrom, observedTo, equals };
}

/**
 * OGC API – Features (Part 1: Core, GeoJSON) at /ogcapi: one collection per project the caller may
 * read, its sightings as GeoJSON features a page at a time. QGIS, ArcGIS and GDAL's OAPIF driver read
 * it, with an API token as the password of HTTP Basic.
 */
@ApiTags('ogcapi')
@ApiBasicAuth()
@BasicChallenge()
@UseGuards(AdminAuthGuard)
@Controller('ogcapi')
export class OgcFeaturesController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(FeatureCollections) private readonly collections: FeatureCollections,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
  ) {}

  @Get()
  landing(@Req() request: Request, @Res() response: Response): void {
    const landing = this.landingPage(request);
    if (wantsHtml(request)) response.type('html').send(htmlPage(landing.title, `<p>${escapeHtml(landing.description)}</p>${linkList(landing.links)}`));
    else response.json(landing);
  }

  private landingPage(request: Request) {
    const base = `${publicBase(request, this.config)}/ogcapi`;
    return {
      title: 'FieldSync',
      description: 'Sightings consolidated by FieldSync, one collection per project',
      links: [
        { href: base, rel: 'self', type: 'application/json', title: 'this document' },
        { href: `${publicBase(request, this.config)}/api/docs-json`, rel: 'service-desc', type: 'application/vnd.oai.openapi+json;version=3.0', title: 'the API definition' },
        { href: `${base}/conformance`, rel: 'conformance', type: 'application/json', title: 'conformance classes' },
        { href: `${base}/collections`, rel: 'data', type: 'application/json', title: 'the collections' },
      ],
    };
  }

  @Get('conformance')
  conformance() {
    return {
      conformsTo: [
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
      ],
    };
  }

  @Get('collections')
  async list(@CurrentAdmin() admin: Principal, @Req() request: Request, @Res() response: Response): Promise<void> {
    const base = `${publicBase(request, this.config)}/ogcapi`;
    const projects = await this.projects.list(admin.projectIds);
    const collections = await Promise.all(projects.map((project) => this.collection(project, base)));
    if (wantsHtml(request)) {
      const rows = collections.map((collection) => `<li><a href="${escapeHtml(collection.links[1]!.href)}">${escapeHtml(collection.title)}</a> (${escapeHtml(collection.id)})</li>`).join('');
      response.type('html').send(htmlPage('Collections', `<ul>${rows}</ul>`));
      return;
    }
    response.json({ links: [{ href: `${base}/collections`, rel: 'self', type: 'application/json' }], collections });
  }

  @Get('collections/:slug')
  async one(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Req() request: Request) {
    return this.collection(await this.projects.bySlug(slug, admin.projectIds), `${publicBase(request, this.config)}/ogcapi`);
  }

  @Get('collections/:slug/items')
  async items(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Query() params: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const limitText = typeof params.limit === 'string' ? params.limit : undefined;
    const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidInputError(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
    const query = featureQuery(params);
    const cursor = typeof params.cursor === 'string' && params.cursor !== '' ? params.cursor : null;
    const project = await this.projects.bySlug(slug, admin.projectIds);
    // Larger limits are served as the largest, as the standard allows.
    const page = await this.collections.page(project, query, cursor, Math.min(limit, MAX_LIMIT));
    const self = `${publicBase(request, this.config)}${request.originalUrl}`;
    const next = new URL(self);
    if (page.next) next.searchParams.set('cursor', page.next);
    if (wantsHtml(request)) {
      const fields = [...new Set(page.features.flatMap((item) => Object.keys(item.properties)))];
      const head = ['id', 'longitude', 'latitude', ...fields].map((name) => `<th scope="col">${escapeHtml(name)}</th>`).join('');
      const body = page.features
        .map(
          (item) =>
            `<tr><td>${escapeHtml(item.id)}</td><td>${escapeHtml(item.geometry?.coordinates[0])}</td><td>${escapeHtml(item.geometry?.coordinates[1])}</td>${fields.map((name) => `<td>${escapeHtml(typeof item.properties[name] === 'object' ? JSON.stringify(item.properties[name]) : item.properties[name])}</td>`).join('')}</tr>`,
        )
        .join('');
      const more = page.next ? `<p><a href="${escapeHtml(next.toString())}">Next page</a></p>` : '';
      response.type('html').send(htmlPage(`${project.name}: sightings`, `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}`));
      return;
    }
    response.setHeader('Content-Type', GEOJSON);
    response.send(
      JSON.stringify({
        type: 'FeatureCollection',
        features: page.features,
        timeStamp: new Date().toISOString(),
        ...(page.numberMatched === null ? {} : { numberMatched: page.numberMatched }),
        numberReturned: page.features.length,
        links: [{ href: self, rel: 'self', type: GEOJSON }, ...(page.next ? [{ href: next.toString(), rel: 'next', type: GEOJSON }] : [])],
      }),
    );
  }

  @Get('collections/:slug/items/:id')
  async item(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const feature = await this.collections.one(await this.projects.bySlug(slug, admin.projectIds), id);
    const base = `${publicBase(request, this.config)}/ogcapi/collections/${encodeURIComponent(slug)}`;
    response.setHeader('Content-Type', GEOJSON);
    response.send(
      JSON.stringify({
        ...feature,
        links: [
          { href: `${base}/items/${encodeURIComponent(id)}`, rel: 'self', type: GEOJSON },
          { href: base, rel: 'collection', type: 'application/json' },
        ],
      }),
    );
  }

  /** The fields of the project's records a client may filter items by (`?Species=Lion`), as a JSON Schema. */
  @Get('collections/:slug/queryables')
  async queryables(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const fields = await this.collections.queryables(project);
    response.setHeader('Content-Type', 'application/schema+json');
    response.send(
      JSON.stringify({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `${publicBase(request, this.config)}/ogcapi/collections/${encodeURIComponent(slug)}/queryables`,
        type: 'object',
        title: project.name,
        properties: Object.fromEntries(fields.map((field) => [field.name, { title: field.name, type: field.type }])),
      }),
    );
  }

  private async collection(project: Project, base: string) {
    const extent = await this.collections.extent(project);
    const items = `${base}/collections/${encodeURIComponent(project.slug)}/items`;
    return {
      id: project.slug,
      title: project.name,
      itemType: 'feature',
      crs: [CRS84],
      extent: {
        spatial: { bbox: [extent.bbox ?? [-180, -90, 180, 90]], crs: CRS84 },
        temporal: { interval: [[extent.first, extent.last]], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' },
      },
      links: [
        { href: `${base}/collections/${encodeURIComponent(project.slug)}`, rel: 'self', type: 'application/json' },
        { href: items, rel: 'items', type: GEOJSON, title: `${project.name}: sightings` },
        { href: `${base}/collections/${encodeURIComponent(project.slug)}/queryables`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', type: 'application/schema+json' },
      ],
    };
  }
}
