import request from 'supertest';
import { MESSAGE_STORE } from '../../src/store/message-store.js';
import type { MessageStore } from '../../src/store/message-store.js';
import { RunningApp, startApp } from '../support/start-app.js';

/** What the REST API shares with every route: docs, health, body limit, CORS, a store that is down. */
describe('REST API: platform', () => {
  describe('OpenAPI', () => {
    let sut: RunningApp;

    beforeAll(async () => {
      sut = await startApp();
    });

    afterAll(async () => {
      await sut.close();
    });

    it('serves Swagger UI at /docs', async () => {
      const res = await request(sut.url).get('/docs').expect(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('swagger-ui');
    });

    it('documents every REST route of the contract with its error answers', async () => {
      const doc = (await request(sut.url).get('/docs-json').expect(200)).body;
      const routes = Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, statuses: Object.keys(op.responses) })),
      );
      const expected: [string, string[]][] = [
        ['POST /api/namespaces/{ns}/queues/{queue}/messages', ['201', '400', '401', '403', '404', '413', '429', '503']],
        ['POST /api/namespaces/{ns}/rooms/{room}/messages', ['201', '400', '401', '403', '404', '413', '429', '503']],
        ['GET /api/namespaces', ['200', '401', '429', '503']],
        ['GET /api/namespaces/{ns}/queues', ['200', '401', '403', '404', '429', '503']],
        ['GET /api/namespaces/{ns}/queues/{queue}', ['200', '400', '401', '403', '404', '429', '503']],
        ['GET /api/namespaces/{ns}/queues/{queue}/dead-letters', ['200', '400', '401', '403', '404', '429', '503']],
        ['POST /api/namespaces/{ns}/queues/{queue}/dead-letters/redrive', ['200', '400', '401', '403', '404', '429', '503']],
        ['GET /api/namespaces/{ns}/rooms/{room}/dead-letters', ['200', '400', '401', '403', '404', '429', '503']],
        ['POST /api/namespaces/{ns}/rooms/{room}/dead-letters/redrive', ['200', '400', '401', '403', '404', '429', '503']],
        ['DELETE /api/namespaces/{ns}/queues/{queue}/messages', ['200', '400', '401', '403', '404', '429', '503']],
        ['GET /api/namespaces/{ns}/rooms', ['200', '401', '403', '404', '429', '503']],
        ['GET /health', ['200', '503']],
      ];
      for (const [route, statuses] of expected) {
        expect(routes.find((r) => r.route === route)?.statuses.sort()).toEqual(statuses);
      }
    });

    it('declares bearer and x-api-key security on /api routes', async () => {
      const doc = (await request(sut.url).get('/docs-json').expect(200)).body;
      expect(doc.components.securitySchemes).toMatchObject({
        bearer: { type: 'http', scheme: 'bearer' },
        'api-key': { type: 'apiKey', in: 'header', name: 'x-api-key' },
      });
      expect(doc.paths['/api/namespaces/{ns}/queues/{queue}/messages'].post.security).toEqual(expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]));
    });

    it('describes each DTO with its constraints and an example', async () => {
      const { schemas } = (await request(sut.url).get('/docs-json').expect(200)).body.components;
      expect(schemas.PublishMessageDto.required).toEqual(['payload']);
      expect(schemas.PublishMessageDto.properties.priority).toMatchObject({ type: 'integer', minimum: 0, maximum: 9 });
      expect(schemas.PublishMessageDto.properties.delayMs).toMatchObject({ type: 'integer', minimum: 0 });
      expect(schemas.PublishMessageDto.properties.ttlMs).toMatchObject({ type: 'integer', minimum: 1 });
      expect(schemas.PublishMessageDto.properties.key).toMatchObject({ minLength: 1, maxLength: 256 });
      expect(schemas.PublishBatchDto.properties.messages).toMatchObject({ minItems: 1, maxItems: 1000 });
      for (const name of ['PublishMessageDto', 'PublishBatchDto', 'QueueStatsDto', 'DeadLetterDto', 'RoomDeadLetterDto', 'RoomInfoDto', 'NamespaceInfoDto', 'ErrorResponseDto']) {
        const properties = Object.values(schemas[name].properties as Record<string, { example?: unknown }>);
        expect({ name, withoutExample: properties.filter((p) => p.example === undefined).length }).toEqual({ name, withoutExample: 0 });
      }
    });
  });

  describe('health and a store that is down', () => {
    let sut: RunningApp;

    beforeAll(async () => {
      sut = await startApp();
    });

    afterAll(async () => {
      await sut.close();
    });

    it('answers 200 { status: "ok" } while the store answers, then 503 for health and for every store call', async () => {
      const health = await request(sut.url).get('/health').expect(200);
      expect(health.body).toMatchObject({ status: 'ok', info: { store: { status: 'up' } } });
      await request(sut.url).post('/api/namespaces/events/queues/down/messages').send({ payload: 1 }).expect(201);

      await sut.app.get<MessageStore>(MESSAGE_STORE).close();

      const down = await request(sut.url).get('/health').expect(503);
      expect(down.body).toMatchObject({ status: 'error', error: { store: { status: 'down' } } });
      const publish = await request(sut.url).post('/api/namespaces/events/queues/down/messages').send({ payload: 2 }).expect(503);
      expect(publish.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.stringContaining('unavailable') });
      await request(sut.url).get('/api/namespaces/events/queues/down').expect(503);
      await request(sut.url).post('/api/namespaces/events/rooms/down/messages').send({ payload: 2 }).expect(503);
      // Validation still comes first: a bad request is a 400 whatever the store's state.
      await request(sut.url).post('/api/namespaces/events/queues/down/messages').send({ priority: 1 }).expect(400);
    });
  });

  describe('MAX_PAYLOAD_BYTES and CORS_ORIGINS', () => {
    let sut: RunningApp;

    beforeAll(async () => {
      sut = await startApp({ MAX_PAYLOAD_BYTES: '2048', CORS_ORIGINS: 'https://shop.example' });
    });

    afterAll(async () => {
      await sut.close();
    });

    it('takes a body of MAX_PAYLOAD_BYTES and refuses one byte more with 413', async () => {
      const body = (size: number) => JSON.stringify({ payload: 'x'.repeat(size - JSON.stringify({ payload: '' }).length) });
      expect(Buffer.byteLength(body(2048))).toBe(2048);
      await request(sut.url).post('/api/namespaces/events/queues/limit/messages').set('content-type', 'application/json').send(body(2048)).expect(201);
      const res = await request(sut.url).post('/api/namespaces/events/queues/limit/messages').set('content-type', 'application/json').send(body(2049)).expect(413);
      expect(res.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: expect.any(String) });
      expect((await request(sut.url).get('/api/namespaces/events/queues/limit').expect(200)).body).toMatchObject({ published: 1 });
    });

    it('allows the configured origin and no other', async () => {
      const allowed = await request(sut.url).options('/api/namespaces').set('Origin', 'https://shop.example').set('Access-Control-Request-Method', 'GET');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
      const other = await request(sut.url).options('/api/namespaces').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
