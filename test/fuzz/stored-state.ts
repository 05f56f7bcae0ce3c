import type { QueueStats as ServedQueueStats } from '../../src/queue/queue-stats.js';
import type { RawHttp } from '../support/raw-http.js';
import { NAMESPACES } from './contract-rules.js';
import { POOL_ROOMS } from './fuzz-service.js';

/** The part of the REST QueueStats a snapshot compares. */
type QueueStats = Pick<ServedQueueStats, 'name' | 'ready' | 'inFlight' | 'delayed' | 'deadLettered' | 'consumers' | 'published'>;

async function getJson<T>(http: RawHttp, path: string): Promise<T> {
  const res = await http.send({ method: 'GET', path });
  if (res.status !== 200) throw new Error(`reading the stored state: GET ${path} answered ${res.status} ${res.text.slice(0, 200)}`);
  return res.json as T;
}

/**
 * What the service stores, as sorted lines, for every queue and room of both namespaces except those
 * `skip` names (the innocent consumer's, whose canaries come and go): each queue's messages held in all
 * (ready + in flight + delayed + dead-lettered), its published total and consumers; each room's online
 * sockets and members; and the dead letters of every room (with their reasons).
 *
 * Delivery, redelivery and expiry move messages between ready, in flight, delayed and dead-lettered but
 * never change how many are held, and a room copy dead-lettered as expired is left out, so these lines
 * change only when a request changes what is stored.
 */
export async function storedState(http: RawHttp, skip: ReadonlySet<string>): Promise<string[]> {
  const perNamespace = await Promise.all(
    NAMESPACES.map(async (ns) => {
      const [queues, rooms] = await Promise.all([
        getJson<QueueStats[]>(http, `/api/namespaces/${ns}/queues`),
        getJson<{ name: string; online: number; members: number }[]>(http, `/api/namespaces/${ns}/rooms`),
      ]);
      const lines: string[] = [];
      for (const q of queues) {
        if (skip.has(q.name)) continue;
        lines.push(`${ns} queue ${JSON.stringify(q.name)} held=${q.ready + q.inFlight + q.delayed + q.deadLettered} published=${q.published} consumers=${q.consumers}`);
      }
      for (const r of rooms) if (!skip.has(r.name)) lines.push(`${ns} room ${JSON.stringify(r.name)} online=${r.online} members=${r.members}`);
      const roomNames = new Set<string>([...POOL_ROOMS, ...rooms.map((r) => r.name).filter((name) => !skip.has(name))]);
      // A queue's dead letters are counted in its stats; a room's are only seen in its list.
      const deadLetters = await Promise.all([...roomNames].map((r) => deadLetterLine(http, ns, 'room', r)));
      return [...lines, ...deadLetters];
    }),
  );
  return perNamespace.flat().sort();
}

/** A room that should not exist (a name the contract refuses) cannot be read back: its line says so. */
async function deadLetterLine(http: RawHttp, ns: string, kind: 'room', name: string): Promise<string> {
  const res = await http.send({ method: 'GET', path: `/api/namespaces/${ns}/${kind}s/${encodeURIComponent(name)}/dead-letters?limit=1000` });
  // An expired copy is dead-lettered by the clock, not by a request (a valid message may carry a short ttlMs).
  const list =
    res.status === 200 && Array.isArray(res.json)
      ? (res.json as { id?: unknown; reason?: unknown }[])
          .filter((d) => d.reason !== 'expired')
          .map((d) => `${String(d.id)}:${String(d.reason)}`)
          .sort()
          .join(',')
      : `unreadable (${res.status})`;
  return `${ns} ${kind} ${JSON.stringify(name)} dead=${list}`;
}

/** The lines only in `before` (-) and only in `after` (+), or null when both hold the same. */
export function stateDiff(before: readonly string[], after: readonly string[]): string | null {
  const gone = before.filter((line) => !after.includes(line)).map((line) => `- ${line}`);
  const added = after.filter((line) => !before.includes(line)).map((line) => `+ ${line}`);
  return gone.length || added.length ? [...gone, ...added].join('\n') : null;
}
