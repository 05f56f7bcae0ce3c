import { connectClient } from '../support/connect-client.js';
import { RunningApp, startApp } from '../support/start-app.js';

describe('socket rate limit', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp({ RATE_LIMIT_SOCKET: '20', STORE: 'memory' });
  });
  afterAll(() => app.close());

  it('answers RATE_LIMITED past RATE_LIMIT_SOCKET events per second, stores nothing for them, and leaves others alone', async () => {
    const flooder = await connectClient(app.url, 'events');
    const consumer = await connectClient(app.url, 'events');
    const producer = await connectClient(app.url, 'events');
    expect(await consumer.request('subscribe', { queue: 'calm' })).toEqual({ ok: true, queue: 'calm' });

    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => flooder.request('publish', { queue: 'flood', payload: i })));
    const limited = answers.filter((a) => a.ok === false);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].error.code).toBe('RATE_LIMITED');
    const stored = answers.filter((a) => a.ok === true).length;
    expect(stored).toBeLessThanOrEqual(20);

    expect(await producer.request('publish', { queue: 'calm', payload: 'still here' })).toMatchObject({ ok: true });
    const [message] = await consumer.waitForBodies(1);
    expect(message.payload).toBe('still here');
    expect(flooder.socket.connected).toBe(true);

    const res = await fetch(`${app.url}/api/namespaces/events/queues/flood`);
    expect(((await res.json()) as { published: number }).published).toBe(stored);
    for (const c of [flooder, consumer, producer]) c.close();
  });
});
