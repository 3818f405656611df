import { readFileSync } from 'node:fs';
import { INestApplication, ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { ConfigError, FieldSyncConfig } from '@fieldsync/sync-core';
import { DomainErrorsFilter } from '../apps/gateway/src/domain-errors.filter.js';

/** Reads the PEM files named by TLS_CERT/TLS_KEY, or stops start-up naming the one that fails. */
export function httpsOptions(tls: FieldSyncConfig['tls']): { cert: Buffer; key: Buffer } | undefined {
  if (!tls) return undefined;
  const read = (variable: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(variable, `cannot read "${path}" (${(error as NodeJS.ErrnoException).code}); point it at a PEM file`);
    }
  };
  return { cert: read('TLS_CERT', tls.certPath), key: read('TLS_KEY', tls.keyPath) };
}

/**
 * HTTP plumbing the gateway needs before it listens. Bodies are not parsed globally: uploads
 * stream into the blob store, and only the admin API parses (small) JSON bodies.
 */
export function setUpGateway(app: INestApplication): void {
  app.use('/api', express.json({ limit: '1mb' }));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new DomainErrorsFilter());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('FieldSync')
      .setDescription('Device uploads (POST/PUT /upload) and the admin API: projects, devices, tokens, batches, sightings feed.')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
}
