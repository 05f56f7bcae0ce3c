import { closeAllClients, connectClient, fresh } from '../support/connect-client.js';
import { RunningApp, startApp } from '../support/start-app.js';

describe('depth alarms on $alarms (DEPTH_ALARM=3)', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp({ DEPTH_ALARM: '3' });
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await app.close();
  });

  it('tells members of $alarms in the queue\'s namespace when a queue rises above the threshold and falls back', async () => {
    const queue = fresh('deep');
    const watcher = await connectClient(app.url, 'events');
    const elsewhere = await connectClient(app.url, 'caps');
    await watcher.request('join', { room: '$alarms' });
    await elsewhere.request('join', { room: '$alarms' });
    const producer = await connectClient(app.url, 'events');
    await producer.request('publishBatch', { queue, messages: [1, 2, 3, 4, 5].map((payload) => ({ payload })) });

    const [alarm] = await watcher.waitForBodies(1, 'alarm');
    expect(alarm).toEqual({ queue, ready: 5, threshold: 3 });

    const consumer = await connectClient(app.url, 'events');
    consumer.socket.on('message', (m: { id: string }) => consumer.socket.emit('ack', { id: m.id }));
    await consumer.request('subscribe', { queue });
    const [cleared] = await watcher.waitForBodies(1, 'alarm-cleared');
    expect(cleared).toEqual({ queue, ready: 0, threshold: 3 });
    expect(elsewhere.bodies('alarm')).toEqual([]);
  });
});
