import request from 'supertest';
import { RunningApp, startApp } from '../support/start-app.js';

const publish = (app: RunningApp, ns: string, headers: Record<string, string> = {}) =>
  request(app.url).post(`/api/namespaces/${ns}/queues/auth-q/messages`).set(headers).send({ payload: { n: 1 } });

describe('REST authentication and rate limits', () => {
  describe('with API_KEYS set', () => {
    let app: RunningApp;

    beforeAll(async () => {
      app = await startApp({ API_KEYS: 'all-key,caps-key=caps', STORE: 'memory' });
    });
    afterAll(() => app.close());

    it('answers 401 without a key and stores nothing', async () => {
      const res = await publish(app, 'events');
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      const stats = await request(app.url).get('/api/namespaces/events/queues').set('x-api-key', 'all-key');
      expect(stats.body).toEqual([]);
    });

    it('answers 401 for a wrong key, by either header', async () => {
      expect((await publish(app, 'events', { authorization: 'Bearer nope' })).status).toBe(401);
      expect((await publish(app, 'events', { 'x-api-key': 'nope' })).status).toBe(401);
    });

    it('answers 403 for a namespace the key may not use', async () => {
      const res = await publish(app, 'events', { authorization: 'Bearer caps-key' });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    });

    it('accepts a valid key by either header', async () => {
      expect((await publish(app, 'caps', { authorization: 'Bearer caps-key' })).status).toBe(201);
      expect((await publish(app, 'events', { 'x-api-key': 'all-key' })).status).toBe(201);
    });

    it('lists only the namespaces the key may use', async () => {
      const scoped = await request(app.url).get('/api/namespaces').set('x-api-key', 'caps-key');
      expect(scoped.status).toBe(200);
      expect(scoped.body.map((n: { name: string }) => n.name)).toEqual(['caps']);
      const all = await request(app.url).get('/api/namespaces').set('authorization', 'Bearer all-key');
      expect(all.body.map((n: { name: string }) => n.name)).toEqual(['caps', 'events']);
    });

    it('keeps /health and /metrics open', async () => {
      expect((await request(app.url).get('/health')).status).toBe(200);
      expect((await request(app.url).get('/metrics')).status).toBe(200);
    });
  });

  describe('with RATE_LIMIT_HTTP set', () => {
    let app: RunningApp;

    beforeAll(async () => {
      app = await startApp({ RATE_LIMIT_HTTP: '5', STORE: 'memory' });
    });
    afterAll(() => app.close());

    it('answers 429 past the limit, in Nest error shape, and stores nothing for refused requests', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await publish(app, 'events')).status);
      expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(5);
      expect(statuses).toContain(429);
      const stats = await request(app.url).get('/api/namespaces/events/queues/auth-q');
      expect([200, 429]).toContain(stats.status);
      await new Promise((r) => setTimeout(r, 1100));
      const after = await request(app.url).get('/api/namespaces/events/queues/auth-q');
      expect(after.status).toBe(200);
      expect(after.body.published).toBe(statuses.filter((s) => s === 201).length);
    });
  });
});
