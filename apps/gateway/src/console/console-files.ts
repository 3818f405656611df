import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import express from 'express';
import type { Request, Response } from 'express';

/** Where `npm run build` puts the console: dist/console, beside dist/apps (this file runs from dist/apps/gateway/src/console). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../../console/', import.meta.url));

const YEAR_SECONDS = 365 * 24 * 3600;

/**
 * Serves the console's files at `/`. The console routes in the URL fragment (/#/projects/…),
 * so only `/` and the built assets are served; every other path stays the API's and the doors'.
 * Asset names carry their content hash, so browsers keep them; index.html is always asked anew.
 */
export function serveConsole(app: INestApplication, directory = CONSOLE_DIR): void {
  if (!existsSync(`${directory}/index.html`)) {
    app.use('/', (request: Request, response: Response, next: () => void) => {
      if (request.method !== 'GET' || request.path !== '/') return next();
      response.status(503).type('text/plain').send('The console is not built here: run `npm run build`, then start FieldSync again. The API is at /api/v1 (see /api/docs).');
    });
    return;
  }
  app.use('/assets', express.static(`${directory}/assets`, { immutable: true, maxAge: YEAR_SECONDS * 1000, index: false, fallthrough: false, redirect: false }));
  // Not a static folder at `/`: that looked for a file on the disk for every GET, the API's included.
  app.use('/', (request: Request, response: Response, next: () => void) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || (request.path !== '/' && request.path !== '/index.html')) return next();
    response.sendFile('index.html', { root: directory, headers: { 'Cache-Control': 'no-cache' } });
  });
}

/** What is served as a page of its own: the console, and the API's documentation (Swagger UI). */
const isPagePath = (path: string) => path === '/' || path === '/index.html' || path.startsWith('/assets/') || path === '/api/docs' || path.startsWith('/api/docs/');

/**
 * Every answer that is not one of the console's pages — forms, manifests, media, attachments,
 * batch files, exports, JSON — is sandboxed with nothing allowed: a browser shown an XForm with a
 * script (or any file a device sent) on the console's origin runs nothing and reaches nothing.
 */
export const DOCUMENT_CONTENT_SECURITY = "sandbox; default-src 'none'; frame-ancestors 'none'";

export function contentSecurityByPath(consolePolicy: (request: Request, response: Response, next: (error?: unknown) => void) => void) {
  return (request: Request, response: Response, next: (error?: unknown) => void) => {
    if (isPagePath(request.path)) return consolePolicy(request, response, next);
    response.setHeader('Content-Security-Policy', DOCUMENT_CONTENT_SECURITY);
    next();
  };
}

/**
 * The console's Content-Security-Policy: its own scripts only; MapLibre draws with workers and
 * images made from blob: URLs; the optional tile server is the one other origin it may reach.
 */
export function consoleContentSecurity(mapTileUrl: string | null, tls: boolean) {
  const tileOrigin = mapTileUrl ? [new URL(mapTileUrl.replace(/\{[xyz]\}/g, '0')).origin] : [];
  return {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:', ...tileOrigin],
      mediaSrc: ["'self'", 'blob:'],
      workerSrc: ["'self'", 'blob:'],
      childSrc: ["'self'", 'blob:'],
      connectSrc: ["'self'", ...tileOrigin],
      fontSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      frameAncestors: ["'self'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      // Over plain HTTP (a LAN server) an upgrade to https would break every request.
      upgradeInsecureRequests: tls ? [] : null,
    },
  };
}
