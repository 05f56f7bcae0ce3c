import amqp from 'amqplib';

/**
 * RabbitMQ driven the way its docs recommend for durable work: durable queues, persistent messages,
 * publisher confirms, manual acks with a prefetch. A room is a fanout exchange with one durable queue
 * per member. Each consumer has its own connection, as each Socket.IO consumer has its own socket.
 */
export function rabbitMqSystem(url) {
  const connections = new Set();
  const queues = new Set();
  const exchanges = new Set();

  async function open() {
    const conn = await amqp.connect(url);
    connections.add(conn);
    return conn;
  }

  /** One multiple-ack per tick for the highest delivery tag: consumers here settle in delivery order. */
  function coalescedAcks(ch) {
    let last = null;
    let acked = 0;
    return {
      ack(msg) {
        acked++;
        if (last === null) {
          setImmediate(() => {
            const m = last;
            last = null;
            ch.ack(m, true);
          });
        }
        last = msg;
      },
      get acked() {
        return acked;
      },
    };
  }

  async function consume(conn, queue, prefetch, onMessage) {
    const ch = await conn.createChannel();
    await ch.prefetch(prefetch);
    const acks = coalescedAcks(ch);
    const r = { ack: (msg) => acks.ack(msg), confirmedAcks: () => acks.acked, close: () => conn.close().catch(() => undefined) };
    await ch.consume(queue, (msg) => msg && onMessage(JSON.parse(msg.content), msg, r), { noAck: false });
    return r;
  }

  return {
    name: 'rabbitmq',
    batchMax: 1,

    async producer() {
      const conn = await open();
      const ch = await conn.createConfirmChannel();
      const declared = new Set();
      const confirm = (resolve, reject) => (err) => (err ? reject(err) : resolve());
      const declareQueue = async (queue) => {
        if (declared.has(queue)) return;
        await ch.assertQueue(queue, { durable: true });
        declared.add(queue);
        queues.add(queue);
      };
      return {
        async publish(queue, payload) {
          if (!declared.has(queue)) await declareQueue(queue);
          return new Promise((resolve, reject) => {
            ch.sendToQueue(queue, Buffer.from(JSON.stringify(payload)), { persistent: true }, confirm(resolve, reject));
          });
        },
        publishBatch() {
          throw new Error('RabbitMQ has no batch publish: use publish with a window');
        },
        publishRoom(room, payload) {
          return new Promise((resolve, reject) => {
            ch.publish(room, '', Buffer.from(JSON.stringify(payload)), { persistent: true }, confirm(resolve, reject));
          });
        },
        close: () => conn.close().catch(() => undefined),
      };
    },

    async consumer(queue, { prefetch, onMessage }) {
      const conn = await open();
      const setup = await conn.createChannel();
      await setup.assertQueue(queue, { durable: true });
      queues.add(queue);
      await setup.close();
      return consume(conn, queue, prefetch, onMessage);
    },

    async roomMember(room, { clientId, onMessage }) {
      const conn = await open();
      const setup = await conn.createChannel();
      await setup.assertExchange(room, 'fanout', { durable: true });
      exchanges.add(room);
      const queue = `${room}.${clientId}`;
      await setup.assertQueue(queue, { durable: true });
      await setup.bindQueue(queue, room, '');
      queues.add(queue);
      await setup.close();
      return consume(conn, queue, 100, onMessage);
    },

    /** Deletes what this run declared, so the broker carries nothing into the next run. */
    async cleanup() {
      const conn = await amqp.connect(url);
      const ch = await conn.createChannel();
      for (const q of queues) await ch.deleteQueue(q);
      for (const x of exchanges) await ch.deleteExchange(x);
      queues.clear();
      exchanges.clear();
      await conn.close();
    },

    async close() {
      for (const c of connections) await c.close().catch(() => undefined);
      connections.clear();
    },
  };
}
