import { io } from 'socket.io-client';

/**
 * The load generator's side of the contract's Socket.IO protocol (§3), as a good client speaks it:
 * websocket transport, `publishBatch` where batching, and acks coalesced into one `ack { ids }` per tick.
 * Courier and the raw Socket.IO server both answer it, so one adapter drives both.
 */
export function socketIoSystem(url, namespace = 'events') {
  const sockets = new Set();

  async function connect(auth = {}) {
    const socket = io(`${url}/${namespace}`, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
    sockets.add(socket);
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', (error) => reject(new Error(`connect to /${namespace}: ${error.message}`)));
    });
    return socket;
  }

  async function call(socket, event, body) {
    const reply = await socket.emitWithAck(event, body);
    if (!reply || reply.ok !== true) throw new Error(`${event} refused: ${JSON.stringify(reply?.error ?? reply)}`);
    return reply;
  }

  /** Collects ids and sends them as `ack { ids }` once per tick (at most 1000 per event, as the contract allows). */
  function coalescedAcks(socket) {
    let ids = [];
    let acked = 0;
    const flush = () => {
      const all = ids;
      ids = [];
      for (let i = 0; i < all.length; i += 1000) {
        socket.emit('ack', { ids: all.slice(i, i + 1000) }, (reply) => {
          if (reply?.ok) acked += reply.acked ?? 0;
        });
      }
    };
    return {
      ack(id) {
        if (ids.push(id) === 1) setImmediate(flush);
      },
      /** Acks the server confirmed so far (checked after a run, not timed). */
      get acked() {
        return acked;
      },
    };
  }

  function receiver(socket, onMessage) {
    const acks = coalescedAcks(socket);
    const r = { ack: (handle) => acks.ack(handle), confirmedAcks: () => acks.acked, close: () => socket.disconnect() };
    socket.on('message', (m) => onMessage(m.payload, m.id, r));
    return r;
  }

  return {
    name: 'socket.io',
    batchMax: 1000,

    async producer() {
      const socket = await connect();
      return {
        publish: (queue, payload) => call(socket, 'publish', { queue, payload }),
        publishBatch: (queue, payloads) => call(socket, 'publishBatch', { queue, messages: payloads.map((payload) => ({ payload })) }),
        publishRoom: (room, payload) => call(socket, 'publish', { room, payload }),
        close: () => socket.disconnect(),
      };
    },

    async consumer(queue, { prefetch, onMessage }) {
      const socket = await connect();
      const r = receiver(socket, onMessage);
      await call(socket, 'subscribe', { queue, prefetch });
      return r;
    },

    /** A room member: durable when it has a client id, else a live (anonymous) member. */
    async roomMember(room, { clientId, onMessage }) {
      const socket = await connect(clientId ? { clientId } : {});
      const r = receiver(socket, onMessage);
      await call(socket, 'join', { room });
      return r;
    },

    async cleanup() {},

    async close() {
      for (const s of sockets) s.disconnect();
      sockets.clear();
    },
  };
}
