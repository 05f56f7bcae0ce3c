import { createHmac } from 'node:crypto';
import { closeAllClients, connectClient, connectError, fresh } from '../support/connect-client.js';
import { RunningApp, startApp } from '../support/start-app.js';

const SECRET = 'test-secret-for-hs256-tokens';

function jwt(claims: Record<string, unknown>, secret = SECRET): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iat: Math.floor(Date.now() / 1000), ...claims })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Engine.IO's first request, as a browser on `origin` would send it. */
function handshake(app: RunningApp, origin: string): Promise<Response> {
  return fetch(`${app.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
}

describe('socket handshake', () => {
  let app: RunningApp;
  afterEach(async () => {
    closeAllClients();
    await app.close();
  });

  describe('with API_KEYS and JWT_SECRET set', () => {
    beforeEach(async () => {
      app = await startApp({ API_KEYS: 'all-key,events-key=events', JWT_SECRET: SECRET });
    });

    it('refuses a socket without a token, or with a bad one: UNAUTHORIZED', async () => {
      expect((await connectError(app.url, 'events')).message).toBe('UNAUTHORIZED');
      expect((await connectError(app.url, 'events', { token: 'nope' })).message).toBe('UNAUTHORIZED');
      expect((await connectError(app.url, 'events', { token: jwt({ sub: 'x' }, 'other-secret') })).message).toBe('UNAUTHORIZED');
    });

    it('refuses a key or token in a namespace it may not use: FORBIDDEN', async () => {
      expect((await connectError(app.url, 'caps', { token: 'events-key' })).message).toBe('FORBIDDEN');
      expect((await connectError(app.url, 'caps', { token: jwt({ sub: 'v1', ns: ['events'] }) })).message).toBe('FORBIDDEN');
    });

    it('accepts an API key, and a JWT whose sub becomes the client id', async () => {
      const keyed = await connectClient(app.url, 'caps', { token: 'all-key', clientId: 'store-1' });
      expect(await keyed.request('join', { room: 'store-1' })).toEqual({ ok: true, room: 'store-1' });

      const room = fresh('room');
      const member = await connectClient(app.url, 'events', { token: jwt({ sub: 'member-1' }) });
      await member.request('join', { room });
      member.close();
      const producer = await connectClient(app.url, 'events', { token: 'events-key' });
      expect((await producer.request('publish', { room, payload: 'kept for member-1' })).recipients).toBe(1);
      const back = await connectClient(app.url, 'events', { token: jwt({ sub: 'member-1' }) });
      const [m] = await back.waitForBodies(1);
      expect(m.payload).toBe('kept for member-1');
    });

    it('refuses a JWT whose sub differs from auth.clientId', async () => {
      expect((await connectError(app.url, 'events', { token: jwt({ sub: 'a' }), clientId: 'b' })).message).toBe('UNAUTHORIZED');
    });
  });

  describe('with API_KEYS limiting client ids', () => {
    beforeEach(async () => {
      app = await startApp({ API_KEYS: 'vendor-key=caps;clients=vendor-*|acme, ops-key' });
    });

    it('lets a key claim only the client ids its clients= patterns match; anonymous sockets are fine', async () => {
      for (const clientId of ['vendor-1', 'vendor-', 'acme']) {
        const ok = await connectClient(app.url, 'caps', { token: 'vendor-key', clientId });
        expect(await ok.request('join', { room: clientId })).toEqual({ ok: true, room: clientId });
      }
      for (const clientId of ['driver-1', 'acme-2', 'xvendor-1']) {
        expect((await connectError(app.url, 'caps', { token: 'vendor-key', clientId })).message).toBe('FORBIDDEN');
      }
      expect((await connectClient(app.url, 'caps', { token: 'vendor-key' })).socket.connected).toBe(true);
      expect((await connectClient(app.url, 'caps', { token: 'ops-key', clientId: 'driver-1' })).socket.connected).toBe(true);
    });
  });

  describe('CORS', () => {
    it('lets browsers connect from the same origin only when CORS_ORIGINS is empty', async () => {
      app = await startApp();
      expect((await handshake(app, 'http://evil.example')).status).toBe(403);
      expect((await handshake(app, app.url)).status).toBe(200);
    });

    it('lets browsers connect from a listed origin', async () => {
      app = await startApp({ CORS_ORIGINS: 'http://app.example' });
      const allowed = await handshake(app, 'http://app.example');
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example');
      expect((await handshake(app, 'http://evil.example')).status).toBe(403);
    });
  });
});
