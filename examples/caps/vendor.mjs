// A vendor written like the original CAPS lab: no client id, it joins its store's room (its mailbox),
// hands over an order every few seconds and thanks the driver for each delivery. Stopped and started
// again, it is told about the deliveries it missed, once each.
//
//   npm run example:vendor -- acme-widgets      (COURIER_URL defaults to http://127.0.0.1:3000)
import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';

const url = process.env.COURIER_URL ?? 'http://127.0.0.1:3000';
const store = process.argv[2] ?? 'acme-widgets';
const everyMs = Number(process.env.PICKUP_EVERY_MS ?? 3000);
const customers = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson'];
const streets = ['Analytical Way', 'Compiler Court', 'Enigma Road', 'Orbit Lane'];
const pick = (list) => list[Math.floor(Math.random() * list.length)];

const socket = io(`${url}/caps`);

socket.on('connect', () => {
  // Joining again after every (re)connect: the server replays what the mailbox kept meanwhile.
  socket.emit('join', store);
  console.log(`VENDOR ${store}: connected`);
});
socket.on('connect_error', (error) => console.log(`VENDOR ${store}: cannot connect (${error.message})`));

socket.on('in-transit', (payload) => {
  console.log(`VENDOR ${store}: order ${payload.orderId} is on its way`);
  socket.emit('received', { clientId: store, event: 'in-transit', messageId: payload.messageId });
});

socket.on('delivered', (payload) => {
  console.log(`VENDOR ${store}: Thank you for delivering ${payload.orderId}`);
  socket.emit('received', { clientId: store, event: 'delivered', messageId: payload.messageId });
});

setInterval(() => {
  if (!socket.connected) return;
  const order = {
    store,
    orderId: randomUUID().slice(0, 8),
    customer: pick(customers),
    address: `${1 + Math.floor(Math.random() * 99)} ${pick(streets)}`,
  };
  socket.emit('pickup', order, (answer) => {
    if (answer.ok) console.log(`VENDOR ${store}: pickup requested for order ${order.orderId}`);
    else console.log(`VENDOR ${store}: pickup refused: ${answer.error.code} ${answer.error.message}`);
  });
}, everyMs);
