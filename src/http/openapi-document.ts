import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';

/** The OpenAPI description of the REST API served at /docs (UI) and /docs-json. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Courier REST API')
    .setDescription(
      'Durable queues and broadcast rooms. Producers publish here; consumers use Socket.IO (see /docs/asyncapi). ' +
        'Errors use the shape `{ statusCode, error, message }`. With API_KEYS set, every /api route needs a key, ' +
        'as `Authorization: Bearer <key>` or `x-api-key: <key>`.',
    )
    .setVersion(packageVersion())
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'An API key from API_KEYS' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key from API_KEYS' }, 'api-key')
    .build();
  return SwaggerModule.createDocument(app, config);
}

function packageVersion(): string {
  try {
    // src/http and dist/http both sit two levels below package.json.
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
