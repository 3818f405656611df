import { INestApplication, ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { DomainErrorsFilter } from '../apps/gateway/src/domain-errors.filter.js';

/**
 * HTTP plumbing the gateway needs before it listens. Bodies are not parsed globally: uploads
 * stream into the blob store, and only the admin API parses (small) JSON bodies.
 */
export function setUpGateway(app: INestApplication): void {
  app.use('/api', express.json({ limit: '1mb' }));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new DomainErrorsFilter(app.getHttpAdapter()));
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
