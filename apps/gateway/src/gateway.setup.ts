import { ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Database, ForegroundWork } from '@fieldsync/sync-core';
import { consoleContentSecurity, contentSecurityByPath, serveConsole } from './console/console-files.js';
import { DomainErrorsFilter } from './domain-errors.filter.js';
import { openApiDocument } from './openapi.js';
import { refuseDeepJson, refuseNul, refuseNulInPath, refuseRepeatedQuery } from './request-hygiene.js';

/** HSTS for a year once the gateway speaks HTTPS: a browser that saw it never falls back to plain HTTP. */
const HSTS_SECONDS = 365 * 24 * 3600;

/**
 * HTTP plumbing the gateway needs before it listens. Bodies are not parsed globally: uploads
 * stream into the blob store, and only the admin API parses (small) JSON bodies. Helmet sets
 * the usual security headers (nosniff, frame and referrer policies, no X-Powered-By), HSTS only
 * under TLS.
 */
export function setUpGateway(app: NestExpressApplication, options: { tls: boolean; mapTileUrl: string | null; trustProxy: string[] }): void {
  if (options.trustProxy.length > 0) app.set('trust proxy', options.trustProxy);
  app.use(helmet({ strictTransportSecurity: options.tls ? { maxAge: HSTS_SECONDS } : false, contentSecurityPolicy: false }));
  app.use(contentSecurityByPath(helmet.contentSecurityPolicy(consoleContentSecurity(options.mapTileUrl, options.tls))));
  app.use(refuseNulInPath);
  app.use(refuseRepeatedQuery);
  app.use(writesInForeground(app.get(Database).foreground));
  serveConsole(app);
  app.use('/api', express.json({ limit: '1mb', reviver: refuseNul, verify: refuseDeepJson }));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new DomainErrorsFilter());
  SwaggerModule.setup('api/docs', app, openApiDocument(app));
}

/**
 * A client waiting on a write (an upload, a submission, an admin's change) is foreground work
 * from its first byte to its answer: a large merge on the embedded database stands aside for it
 * (ForegroundWork). Reads and live streams are not waiting on the writer.
 */
function writesInForeground(foreground: ForegroundWork) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') response.once('close', foreground.begin());
    next();
  };
}
