/**
 * The transport's ceiling: a bare Socket.IO server that speaks the subset of Courier's protocol the
 * benchmark uses and stores nothing. A published message is forwarded at once to one consumer of its
 * queue (round robin) in Courier's `message` envelope and confirmed to the producer; acks are parsed,
 * counted and answered. Rooms are Socket.IO rooms. No validation, no persistence, no redelivery.
 *
 * PORT (required) and HOST (default 127.0.0.1) from the environment; prints `ready <port>` when listening.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT);
const host = process.env.HOST ?? '127.0.0.1';

const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"status":"ok"}');
});
const io = new Server(http, { serveClient: false, maxHttpBufferSize: 2 * 1048576 });
const events = io.of('/events');

/** queue name → { sockets, turn } */
const queues = new Map();
let seq = 0;

function forward(queue, payload) {
  const id = `m${++seq}`;
  const q = queues.get(queue);
  if (q && q.sockets.length > 0) {
    const socket = q.sockets[q.turn++ % q.sockets.length];
    socket.emit('message', { id, queue, payload, headers: {}, attempt: 1, publishedAt: new Date().toISOString() });
  }
  return id;
}

events.on('connection', (socket) => {
  socket.on('subscribe', (body, reply) => {
    let q = queues.get(body.queue);
    if (!q) queues.set(body.queue, (q = { sockets: [], turn: 0 }));
    q.sockets.push(socket);
    reply?.({ ok: true, queue: body.queue });
  });
  socket.on('join', (body, reply) => {
    socket.join(body.room);
    reply?.({ ok: true, room: body.room });
  });
  socket.on('publish', (body, reply) => {
    if (body.room !== undefined) {
      const id = `m${++seq}`;
      const recipients = events.adapter.rooms.get(body.room)?.size ?? 0;
      events.to(body.room).emit('message', { id, room: body.room, payload: body.payload, headers: {}, attempt: 1, publishedAt: new Date().toISOString() });
      reply?.({ ok: true, id, recipients });
      return;
    }
    reply?.({ ok: true, id: forward(body.queue, body.payload) });
  });
  socket.on('publishBatch', (body, reply) => {
    const ids = body.messages.map((m) => forward(body.queue, m.payload));
    reply?.({ ok: true, ids });
  });
  socket.on('ack', (body, reply) => {
    const acked = Array.isArray(body.ids) ? body.ids.length : 1;
    reply?.({ ok: true, acked });
  });
  socket.on('disconnect', () => {
    for (const q of queues.values()) {
      const i = q.sockets.indexOf(socket);
      if (i >= 0) q.sockets.splice(i, 1);
    }
  });
});

http.listen(port, host, () => process.stdout.write(`ready ${port}\n`));

const stop = () => io.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
