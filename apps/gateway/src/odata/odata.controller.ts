import { Controller, Get, Inject, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { FeatureCollections, FIELDSYNC_CONFIG, InvalidInputError, NO_FILTER, odataFilter, Project, ProjectService } from '@fieldsync/sync-core';
import type { FeatureRow, FieldSyncConfig, OrderedPage } from '@fieldsync/sync-core';
import { AdminAuthGuard, BasicChallenge, CurrentAdmin } from '../admin/admin-auth.guard.js';
import type { Principal } from '../admin/admin-auth.guard.js';
import { publicBase } from '../public-address.js';

const NAMESPACE = 'FieldSync';
/** Entities per page the server hands out, whatever `$top` asks (server-driven paging). */
const PAGE = 1_000;
const MAX_TOP = 10_000;
const OPTIONS = new Set(['$top', '$skip', '$count', '$select', '$orderby', '$filter', '$skiptoken', '$format']);
const ORDERABLE: Record<string, OrderedPage['by']> = { observedAt: 'observed_at', receivedAt: 'received_at', seq: 'seq' };

/** The core properties of a Sighting entity, their EDM types and values. */
const CORE: [string, string, (row: FeatureRow) => unknown][] = [
  ['id', 'Edm.String', (row) => row.uid],
  ['kind', 'Edm.String', (row) => row.kind],
  ['deviceId', 'Edm.String', (row) => row.deviceId],
  ['deviceName', 'Edm.String', (row) => row.deviceName],
  ['observedAt', 'Edm.DateTimeOffset', (row) => row.observedAt],
  ['receivedAt', 'Edm.DateTimeOffset', (row) => row.receivedAt],
  ['latitude', 'Edm.Double', (row) => row.latitude],
  ['longitude', 'Edm.Double', (row) => row.longitude],
  ['altitude', 'Edm.Double', (row) => row.altitude],
  ['accuracy', 'Edm.Double', (row) => row.accuracy],
  ['revision', 'Edm.Int64', (row) => row.revision],
  ['seq', 'Edm.Int64', (row) => row.seq],
  ['reviewState', 'Edm.String', (row) => row.reviewState],
  ['deleted', 'Edm.Boolean', (row) => row.deleted],
  ['attachments', 'Edm.String', (row) => (row.attachments as { name?: string }[]).map((attachment) => attachment.name ?? '').join('; ') || null],
];

/** One property per field of the records: an OData name (a SimpleIdentifier), its type, the field. */
interface FieldProperty {
  name: string;
  type: 'Edm.String' | 'Edm.Double';
  field: string;
}

/** Field names as OData identifiers: letters, digits and underscores, unique, never a core property's name. */
function fieldProperties(fields: { name: string; type: 'string' | 'number' }[]): FieldProperty[] {
  const taken = new Set(CORE.map(([name]) => name.toLowerCase()));
  return fields.map((field) => {
    let name =
      field.name
        .replace(/[^A-Za-z0-9_]/g, '_')
        .replace(/^(?=\d)/, '_')
        .slice(0, 120) || '_';
    if (taken.has(name.toLowerCase())) name = `data_${name}`;
    for (let suffix = 2; taken.has(name.toLowerCase()); suffix++) name = `${name.replace(/_\d+$/, '')}_${suffix}`;
    taken.add(name.toLowerCase());
    return { name, type: field.type === 'number' ? 'Edm.Double' : 'Edm.String', field: field.name };
  });
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An OData error: the status, and the body OData clients read (`{"error":{"code","message"}}`). */
function odataError(response: Response, status: number, message: string): void {
  response.status(status).setHeader('Content-Type', 'application/json; odata.metadata=minimal');
  response.setHeader('OData-Version', '4.0');
  response.send(JSON.stringify({ error: { code: String(status), message } }));
}

/**
 * OData v4 (JSON) per project at /odata/{slug}.svc, for Excel's and Power BI's "OData feed": the
 * service document, `$metadata` (CSDL) with a typed property per field of the project's records,
 * and the entity set `Sightings` with `$top`, `$skip`, `$count`, `$select`, `$orderby` and `$filter`
 * on the core properties. Pages are server-driven: without `$orderby` the next link continues after
 * the last row id (stable while data arrives), with it by offset.
 */
@ApiTags('odata')
@ApiBasicAuth()
@BasicChallenge()
@UseGuards(AdminAuthGuard)
@Controller('odata')
export class ODataController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(FeatureCollections) private readonly collections: FeatureCollections,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
  ) {}

  @Get(':service')
  async serviceDocument(@CurrentAdmin() admin: Principal, @Param('service') service: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const project = await this.project(admin, service);
    this.json(response, { '@odata.context': `${this.root(request, project)}/$metadata`, value: [{ name: 'Sightings', kind: 'EntitySet', url: 'Sightings' }] });
  }

  @Get(':service/:resource')
  async resource(
    @CurrentAdmin() admin: Principal,
    @Param('service') service: string,
    @Param('resource') resource: string,
    @Query() params: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const project = await this.project(admin, service);
    const properties = fieldProperties(await this.collections.queryables(project));
    if (resource === '$metadata') return this.metadata(response, properties);
    if (resource !== 'Sightings') return odataError(response, 404, `this service has $metadata and Sightings, not "${resource}"`);
    try {
      await this.sightings(project, properties, params, request, response);
    } catch (error) {
      if (error instanceof InvalidInputError) return odataError(response, 400, error.message);
      throw error;
    }
  }

  private metadata(response: Response, properties: FieldProperty[]): void {
    const property = (name: string, type: string, nullable = true) => `<Property Name="${escapeXml(name)}" Type="${type}"${nullable ? '' : ' Nullable="false"'}/>`;
    const xml = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">',
      '<edmx:DataServices>',
      `<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="${NAMESPACE}">`,
      '<EntityType Name="Sighting">',
      '<Key><PropertyRef Name="id"/></Key>',
      ...CORE.map(([name, type]) => property(name, type, name !== 'id')),
      ...properties.map((field) => property(field.name, field.type)),
      '</EntityType>',
      '<EntityContainer Name="Container">',
      `<EntitySet Name="Sightings" EntityType="${NAMESPACE}.Sighting"/>`,
      '</EntityContainer>',
      '</Schema>',
      '</edmx:DataServices>',
      '</edmx:Edmx>',
    ].join('\n');
    response.setHeader('Content-Type', 'application/xml');
    response.setHeader('OData-Version', '4.0');
    response.send(xml);
  }

  private async sightings(project: Project, properties: FieldProperty[], params: Record<string, unknown>, request: Request, response: Response): Promise<void> {
    for (const name of Object.keys(params)) {
      if (name.startsWith('$') && !OPTIONS.has(name)) throw new InvalidInputError(`the query option ${name} is not supported here (${[...OPTIONS].join(', ')})`);
    }
    const text = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : undefined);
    const whole = (name: string, max: number) => {
      const value = text(name);
      if (value === undefined) return null;
      if (!/^\d{1,9}$/.test(value) || Number(value) > max) throw new InvalidInputError(`${name} must be a whole number from 0 to ${max}`);
      return Number(value);
    };
    const top = whole('$top', MAX_TOP);
    const skip = whole('$skip', Number.MAX_SAFE_INTEGER) ?? 0;
    const count = text('$count');
    if (count !== undefined && count !== 'true' && count !== 'false') throw new InvalidInputError('$count must be true or false');
    const all = [...CORE.map(([name]) => name), ...properties.map((field) => field.name)];
    const selected =
      text('$select')
        ?.split(',')
        .map((name) => name.trim()) ?? null;
    const unknown = selected?.filter((name) => !all.includes(name)) ?? [];
    if (unknown.length > 0) throw new InvalidInputError(`$select names no property ${unknown.join(', ')}; the properties are in $metadata`);
    let ordered: OrderedPage | null = null;
    const orderby = text('$orderby');
    if (orderby !== undefined) {
      const match = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/.exec(orderby);
      if (!match || !ORDERABLE[match[1]!]) throw new InvalidInputError(`$orderby takes one of ${Object.keys(ORDERABLE).join(', ')}, then asc or desc`);
      ordered = { by: ORDERABLE[match[1]!]!, descending: match[2] === 'desc', offset: skip };
    } else if (skip > 0) {
      ordered = { by: 'seq', descending: false, offset: skip };
    }
    const filter = text('$filter');
    const where = filter ? odataFilter(filter, this.collections.postgres) : null;
    // What is left of `$top` across pages travels in the next link, with the cursor.
    const limit = Math.min(PAGE, top ?? Number.MAX_SAFE_INTEGER);
    const afterId = ordered ? null : (text('$skiptoken') ?? null);
    const page = await this.collections.rows(project, { filter: NO_FILTER, bbox: null, observedFrom: null, observedTo: null, equals: [], where }, { afterId, limit, ordered, count: count === 'true' });
    const values = page.rows.map((row) => {
      const entity: Record<string, unknown> = {};
      for (const [name, , value] of CORE) if (!selected || selected.includes(name)) entity[name] = value(row);
      for (const field of properties) if (!selected || selected.includes(field.name)) entity[field.name] = entityValue(row.data[field.field], field.type);
      return entity;
    });
    const remaining = top === null ? null : top - page.rows.length;
    let nextLink: string | undefined;
    if (page.more && (remaining === null || remaining > 0)) {
      const next = new URL(`${this.root(request, project)}/Sightings`);
      for (const [name, value] of Object.entries(params)) if (typeof value === 'string' && !['$skiptoken', '$skip', '$top'].includes(name)) next.searchParams.set(name, value);
      if (remaining !== null) next.searchParams.set('$top', String(remaining));
      if (ordered) next.searchParams.set('$skip', String(ordered.offset + page.rows.length));
      else next.searchParams.set('$skiptoken', page.rows[page.rows.length - 1]!.id);
      nextLink = next.toString();
    }
    this.json(response, {
      '@odata.context': `${this.root(request, project)}/$metadata#Sightings${selected ? `(${selected.join(',')})` : ''}`,
      ...(page.total === null ? {} : { '@odata.count': page.total }),
      value: values,
      ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
    });
  }

  private async project(admin: Principal, service: string): Promise<Project> {
    const slug = /^(.+)\.svc$/.exec(service)?.[1];
    if (!slug) throw new InvalidInputError('an OData service is /odata/{project}.svc');
    return this.projects.bySlug(slug, admin.projectIds);
  }

  private root(request: Request, project: Project): string {
    return `${publicBase(request, this.config)}/odata/${encodeURIComponent(project.slug)}.svc`;
  }

  private json(response: Response, body: unknown): void {
    response.setHeader('Content-Type', 'application/json; odata.metadata=minimal');
    response.setHeader('OData-Version', '4.0');
    response.send(JSON.stringify(body));
  }
}

/** A field's value as its property's type holds it: a number property gets numbers only. */
function entityValue(value: unknown, type: FieldProperty['type']): unknown {
  if (value === undefined || value === null) return null;
  if (type === 'Edm.Double') return typeof value === 'number' ? value : null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
