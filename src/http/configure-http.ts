import { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { CourierConfig } from '../config/courier-config.js';
import { HttpExceptionFilter } from './http-exception.filter.js';
import { HttpValidationPipe } from './http-validation.pipe.js';
import { openApiDocument } from './openapi-document.js';

/** HTTP-level settings: body size limit, validation, error shape, CORS, docs. */
export function configureHttp(app: INestApplication, config: CourierConfig): void {
  const express = app as NestExpressApplication;
  // Registered before Nest adds its default parsers (100 kB), which then skip the kinds already present.
  // Over the limit, body-parser fails with 413; invalid JSON with 400.
  express.useBodyParser('json', { limit: config.maxPayloadBytes });
  express.useBodyParser('urlencoded', { limit: config.maxPayloadBytes, extended: false });
  app.useGlobalPipes(new HttpValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter(app.get(HttpAdapterHost)));
  // Empty CORS_ORIGINS: no CORS headers at all, so browsers allow the same origin only.
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, credentials: true });
  // Built on the first request to /docs or /docs-json, not at start-up.
  SwaggerModule.setup('docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
