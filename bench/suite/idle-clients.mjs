/**
 * W6 helper: opens COUNT idle Socket.IO connections to URL/events (CONCURRENCY handshakes at a time),
 * prints `connected <n>`, then holds them until stdin closes or SIGTERM, and disconnects.
 */
import { io } from 'socket.io-client';

const url = process.env.URL;
const count = Number(process.env.COUNT);
const concurrency = Number(process.env.CONCURRENCY ?? 100);
const sockets = [];
let failed = 0;

function connectOne() {
  return new Promise((resolve) => {
    const socket = io(`${url}/events`, { transports: ['websocket'], reconnection: false, forceNew: true });
    socket.once('connect', () => {
      sockets.push(socket);
      resolve();
    });
    socket.once('connect_error', () => {
      failed++;
      socket.close();
      resolve();
    });
  });
}

let next = 0;
const lane = async () => {
  while (next < count) {
    next++;
    await connectOne();
  }
};
await Promise.all(Array.from({ length: concurrency }, lane));
process.stdout.write(`${JSON.stringify({ connected: sockets.length, failed })}\n`);

const stop = () => {
  for (const s of sockets) s.disconnect();
  setTimeout(() => process.exit(0), 200);
};
process.stdin.on('end', stop);
process.stdin.resume();
process.once('SIGTERM', stop);
