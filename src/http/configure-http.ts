import { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { SwaggerModule } from '@nestjs/swagger';
import { CourierConfig } from '../config/courier-config.js';
import { requestGate } from './request-gate.middleware.js';
import { HttpExceptionFilter } from './http-exception.filter.js';
import { HttpValidationPipe } from './http-validation.pipe.js';
import { openApiDocument } from './openapi-document.js';

/** HTTP-level settings: body size limit, validation, error shape, CORS, docs. */
export function configureHttp(app: INestApplication, config: CourierConfig): void {
  const express = app as NestExpressApplication;
  // Registered before Nest adds its default parsers (100 kB), which then skip the kinds already present.
  // Bodies that are not JSON, or declared over the limit, never get that far (request-gate); invalid JSON is a 400.
  express.use(requestGate(config.maxPayloadBytes));
  express.useBodyParser('json', { limit: config.maxPayloadBytes, type: ['application/json', 'application/*+json'] });
  limitRequestTimes(app.getHttpServer() as Server);
  app.useGlobalPipes(new HttpValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter(app.get(HttpAdapterHost)));
  // Empty CORS_ORIGINS: no CORS headers at all, so browsers allow the same origin only.
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, credentials: true });
  // Built on the first request to /docs or /docs-json, not at start-up.
  SwaggerModule.setup('docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}

/**
 * A client that sends its headers or body slowly holds a connection and a parser: cut it off as a broker's
 * HTTP front would (Node's defaults allow 300 s for a request and check only every 30 s). WebSocket
 * upgrades leave the HTTP parser, so these never touch a socket once connected.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 20_000;

function limitRequestTimes(server: Server): void {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  // Read when the server starts listening: how often Node looks for requests past those limits.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = 1000;
}
