import { Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { CourierConfig } from '../config/courier-config.js';

/**
 * Structured JSON logs (pino) at LOG_LEVEL. Every REST request gets an id (the caller's `x-request-id`
 * or a new UUID, echoed in the response) carried on each line it causes. Bodies and payloads are never
 * logged; credentials are redacted.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [CourierConfig],
      useFactory: (config: CourierConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          genReqId: (req: IncomingMessage, res: ServerResponse) => {
            const given = req.headers['x-request-id'];
            const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
            res.setHeader('x-request-id', id);
            return id;
          },
          redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
            error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        },
      }),
    }),
  ],
})
export class LoggingModule {}
