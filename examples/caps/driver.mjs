// A driver written like the original CAPS lab: no client id, it never subscribes; asking for the
// pending pickups makes it a consumer of the queue `pickup`. Each order is echoed back as `in-transit`
// (which also acks the pickup) and then `delivered`, which reaches the order's store.
//
//   npm run example:driver      (COURIER_URL defaults to http://127.0.0.1:3000)
import { io } from 'socket.io-client';

const url = process.env.COURIER_URL ?? 'http://127.0.0.1:3000';
const travelMs = Number(process.env.TRAVEL_MS ?? 1500);

const socket = io(`${url}/caps`);

socket.on('connect', () => {
  socket.emit('getAll', { event: 'pickup' });
  console.log('DRIVER: connected, waiting for pickups');
});
socket.on('connect_error', (error) => console.log(`DRIVER: cannot connect (${error.message})`));

socket.on('pickup', (payload) => {
  console.log(`DRIVER: picked up ${payload.orderId} for ${payload.store}`);
  setTimeout(() => {
    socket.emit('in-transit', payload);
    setTimeout(() => {
      socket.emit('delivered', payload);
      console.log(`DRIVER: delivered ${payload.orderId}`);
    }, travelMs);
  }, travelMs);
});
