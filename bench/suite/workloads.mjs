/**
 * The workloads, run inside one load-generator process against a system adapter (clients/*.mjs).
 * Every clock reading is `performance.now()` in this process, so publish and delivery times compare.
 * Each function returns plain metrics; a run that loses or duplicates messages says so in its result.
 */
import { performance } from 'node:perf_hooks';
import http from 'node:http';
import { makePayload } from './payload.mjs';
import { quantile, sleep } from './stats.mjs';

const now = () => performance.now();

function uniqueName(kind) {
  return `bench-${kind}-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Resolves when `check()` is true, or rejects after `ms` with `describe()` in the message. */
function until(check, ms, describe) {
  return new Promise((resolve, reject) => {
    const started = now();
    const poll = () => {
      if (check()) return resolve();
      if (now() - started > ms) return reject(new Error(`timed out after ${ms} ms: ${describe()}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

/**
 * Publishes messages 0..total-1 keeping at most `window` unconfirmed, `batch` per request (batch 1 =
 * one `publish` each). Resolves with the time the last confirm arrived.
 */
function pump({ producer, queue, total, window, batch, payloads }) {
  return new Promise((resolve, reject) => {
    let next = 0;
    let outstanding = 0;
    let confirmed = 0;
    const fill = () => {
      while (next < total) {
        const count = Math.min(batch, total - next);
        if (outstanding + count > window) return;
        const start = next;
        next += count;
        outstanding += count;
        const sent =
          count === 1 && batch === 1
            ? producer.publish(queue, payloads(start))
            : producer.publishBatch(queue, Array.from({ length: count }, (_, i) => payloads(start + i)));
        sent.then(() => {
          outstanding -= count;
          confirmed += count;
          if (confirmed === total) resolve(now());
          else fill();
        }, reject);
      }
    };
    fill();
  });
}

/** Counts first deliveries of 0..total-1 per consumer and notices duplicates. */
function tally(total, consumers) {
  const seen = new Uint8Array(total);
  return {
    received: 0,
    duplicates: 0,
    perConsumer: new Array(consumers).fill(0),
    lastAt: 0,
    /** Returns true the first time `n` is seen. */
    count(n, c) {
      if (seen[n]) {
        this.duplicates++;
        return false;
      }
      seen[n] = 1;
      this.received++;
      this.perConsumer[c]++;
      this.lastAt = now();
      return true;
    },
  };
}

/** A consumer that handles one message at a time, spending `workMs` on each (awaited), then acks it. */
function serialWorker(workMs, handle) {
  const inbox = [];
  let busy = false;
  const drain = async () => {
    busy = true;
    while (inbox.length) {
      const [payload, h, r] = inbox.shift();
      await sleep(workMs);
      handle(payload);
      r.ack(h);
    }
    busy = false;
  };
  return (payload, h, r) => {
    inbox.push([payload, h, r]);
    if (!busy) void drain();
  };
}

async function confirmAcks(receivers, total) {
  const confirmed = () => receivers.reduce((sum, r) => sum + r.confirmedAcks(), 0);
  await until(() => confirmed() >= total, 5000, () => `${confirmed()} of ${total} acks confirmed`).catch(() => undefined);
  return confirmed();
}

/**
 * W1 / W2 / W2b: one producer → one queue → `consumers` consumers.
 * Metrics: e2e msgs/s (first publish → last ack), producer-confirmed msgs/s, each consumer's share.
 */
export async function throughput(sys, p) {
  const queue = uniqueName('q');
  const t = tally(p.count, p.consumers);
  const receivers = [];
  for (let c = 0; c < p.consumers; c++) {
    const onMessage =
      p.workMs > 0
        ? serialWorker(p.workMs, (payload) => t.count(payload.n, c))
        : (payload, h, r) => {
            t.count(payload.n, c);
            r.ack(h);
          };
    receivers.push(await sys.consumer(queue, { prefetch: p.prefetch, onMessage }));
  }
  const producer = await sys.producer();
  const payloads = Array.from({ length: p.count }, (_, n) => makePayload(n));
  const t0 = now();
  const confirmedAt = await pump({ producer, queue, total: p.count, window: p.window, batch: p.batch, payloads: (n) => payloads[n] });
  await until(() => t.received === p.count, p.timeoutMs, () => `${t.received} of ${p.count} delivered`);
  const acked = await confirmAcks(receivers, p.count);
  producer.close();
  for (const r of receivers) r.close();
  return {
    e2e: (p.count / (t.lastAt - t0)) * 1000,
    confirmed: (p.count / (confirmedAt - t0)) * 1000,
    shares: t.perConsumer.map((k) => k / p.count),
    delivered: t.received,
    duplicates: t.duplicates,
    acksConfirmed: acked,
  };
}

/**
 * W3: `rate` msgs/s published one by one on a timer, one consumer; publish → deliver latency in ms.
 * The first `warmupSeconds` are sent at the same rate but not measured (JIT, connection warm-up).
 */
export async function latency(sys, p) {
  const queue = uniqueName('lat');
  const warm = Math.round(p.rate * p.warmupSeconds);
  const total = warm + Math.round(p.rate * p.seconds);
  const sentAt = new Float64Array(total);
  const samples = [];
  const t = tally(total, 1);
  const receiver = await sys.consumer(queue, {
    prefetch: p.prefetch,
    onMessage: (payload, h, r) => {
      const at = now();
      if (t.count(payload.n, 0) && payload.n >= warm) samples.push(at - sentAt[payload.n]);
      r.ack(h);
    },
  });
  const producer = await sys.producer();
  const payloads = Array.from({ length: total }, (_, n) => makePayload(n));
  let failed = null;
  const start = now();
  let next = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((now() - start) * p.rate) / 1000) + 1);
      while (next < due) {
        sentAt[next] = now();
        producer.publish(queue, payloads[next]).catch((e) => (failed ??= e));
        next++;
      }
      if (next < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const sendSeconds = (now() - start) / 1000;
  await until(() => t.received === total, p.timeoutMs, () => `${t.received} of ${total} delivered`);
  if (failed) throw failed;
  const acked = await confirmAcks([receiver], total);
  producer.close();
  receiver.close();
  samples.sort((a, b) => a - b);
  return {
    p50: quantile(samples, 0.5),
    p99: quantile(samples, 0.99),
    p999: quantile(samples, 0.999),
    max: samples[samples.length - 1],
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    measured: samples.length,
    achievedRate: total / sendSeconds,
    duplicates: t.duplicates,
    acksConfirmed: acked,
  };
}

/**
 * W4: one publisher → a room (a fanout exchange for RabbitMQ) with `subscribers` members.
 * Durable members ack every copy; live (anonymous) members only receive.
 */
export async function fanout(sys, p) {
  const room = uniqueName('room');
  const total = p.subscribers * p.messages;
  const seen = Array.from({ length: p.subscribers }, () => new Uint8Array(p.messages));
  let delivered = 0;
  let duplicates = 0;
  let lastAt = 0;
  const members = [];
  for (let i = 0; i < p.subscribers; i++) {
    const member = await sys.roomMember(room, {
      clientId: p.durable ? `${room}-m${i}` : null,
      onMessage: (payload, h, r) => {
        if (seen[i][payload.n]) duplicates++;
        else {
          seen[i][payload.n] = 1;
          delivered++;
          lastAt = now();
        }
        if (p.durable) r.ack(h);
      },
    });
    members.push(member);
  }
  const producer = await sys.producer();
  const payloads = Array.from({ length: p.messages }, (_, n) => makePayload(n));
  const roomProducer = { publish: (_q, payload) => producer.publishRoom(room, payload) };
  const t0 = now();
  const confirmedAt = await pump({ producer: roomProducer, queue: room, total: p.messages, window: p.window, batch: 1, payloads: (n) => payloads[n] });
  await until(() => delivered === total, p.timeoutMs, () => `${delivered} of ${total} delivered`);
  const acked = p.durable ? await confirmAcks(members, total) : 0;
  producer.close();
  for (const m of members) m.close();
  return {
    deliveries: (total / (lastAt - t0)) * 1000,
    confirmed: (p.messages / (confirmedAt - t0)) * 1000,
    delivered,
    duplicates,
    acksConfirmed: acked,
  };
}

/**
 * W5: `count` messages published into a queue nobody consumes, then one consumer drains it.
 * `phase(name)` tells the orchestrator which phase the server's RSS samples belong to.
 */
export async function deepQueue(sys, p, phase) {
  const queue = uniqueName('deep');
  const producer = await sys.producer();
  phase('publish');
  const t0 = now();
  const confirmedAt = await pump({ producer, queue, total: p.count, window: p.window, batch: p.batch, payloads: makePayload });
  producer.close();
  phase('consume');
  const t = tally(p.count, 1);
  const t1 = now();
  const receiver = await sys.consumer(queue, {
    prefetch: p.prefetch,
    onMessage: (payload, h, r) => {
      t.count(payload.n, 0);
      r.ack(h);
    },
  });
  await until(() => t.received === p.count, p.timeoutMs, () => `${t.received} of ${p.count} delivered`);
  const acked = await confirmAcks([receiver], p.count);
  phase('done');
  receiver.close();
  return {
    publish: (p.count / (confirmedAt - t0)) * 1000,
    consume: (p.count / (t.lastAt - t1)) * 1000,
    delivered: t.received,
    duplicates: t.duplicates,
    acksConfirmed: acked,
  };
}

/** REST publishes over keep-alive connections: `requests` requests of `batch` messages, `concurrency` in flight. */
export async function rest(url, p) {
  const queue = uniqueName('rest');
  const agent = new http.Agent({ keepAlive: true, maxSockets: p.concurrency });
  const target = new URL(`/api/namespaces/events/queues/${queue}/messages`, url);
  const bodyFor = (n) =>
    JSON.stringify(p.batch === 1 ? { payload: makePayload(n) } : { messages: Array.from({ length: p.batch }, (_, i) => ({ payload: makePayload(n + i) })) });
  const post = (body) =>
    new Promise((resolve, reject) => {
      const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`POST ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 200)}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  // A few requests first so the connections exist before the clock starts.
  for (let i = 0; i < Math.min(p.concurrency, 8); i++) await post(bodyFor(0));
  let next = 0;
  const t0 = now();
  const lane = async () => {
    while (next < p.requests) {
      const n = next++;
      await post(bodyFor(n * p.batch));
    }
  };
  await Promise.all(Array.from({ length: p.concurrency }, lane));
  const seconds = (now() - t0) / 1000;
  agent.destroy();
  return { requests: p.requests / seconds, msgs: (p.requests * p.batch) / seconds };
}
