import { Injectable, Logger } from '@nestjs/common';
import { CourierError } from '../common/courier-error.js';
import { QueueService } from '../queue/queue.service.js';
import { RoomService } from '../rooms/room.service.js';
import { SessionRef } from './session-ref.js';

/** Which deliveries `getAll` sends again: some queues only (undefined: all), and a test of each one's headers. */
export interface RedeliverFilter {
  readonly queues?: readonly string[];
  readonly wanted?: (headers: Readonly<Record<string, string>>) => boolean;
}

/**
 * What a connected socket does to the deliveries it holds, whether each is a queue delivery or a room
 * copy: the edges ask once per event and this decides where an id belongs (a queue delivery of this
 * socket first, then a copy of its client id or mailbox, or a live room delivery).
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger(SessionService.name);

  constructor(
    private readonly queues: QueueService,
    private readonly rooms: RoomService,
  ) {}

  /** Acks what this socket holds among `ids`; returns how many it settled (a repeated id counts once). */
  async ack(s: SessionRef, ids: readonly string[]): Promise<number> {
    const queued: string[] = [];
    const copies: string[] = [];
    for (const id of new Set(ids)) {
      if (this.queues.holds(s.ns, s.consumerId, id)) queued.push(id);
      else if (await this.rooms.holds(s.ns, s.socketId, id)) copies.push(id);
    }
    const acked = queued.length ? await this.queues.ack(s.ns, s.consumerId, queued) : [];
    const settled = copies.length ? await this.rooms.ack(s.ns, s.socketId, copies) : [];
    return acked.length + settled.length;
  }

  /** Acks one delivery; NOT_FOUND when this socket does not hold it (unknown, settled, or another's). */
  async ackOne(s: SessionRef, id: string): Promise<void> {
    if ((await this.ack(s, [id])) === 0) throw notHeld(id);
  }

  /** Requeues (after `delayMs`) or dead-letters one held delivery; NOT_FOUND when not held. */
  async nack(s: SessionRef, id: string, requeue: boolean, delayMs: number): Promise<void> {
    const done =
      (await this.queues.nack(s.ns, s.consumerId, id, requeue, delayMs)) || (await this.rooms.nack(s.ns, s.socketId, id, requeue, delayMs));
    if (!done) throw notHeld(id);
  }

  /** getAll: everything pending for this socket is sent again (a new attempt each); returns how many. */
  async redeliver(s: SessionRef, filter: RedeliverFilter = {}): Promise<number> {
    // An anonymous socket has nothing pending in queues but what it holds, and is never sent that twice.
    const queued = s.clientId === null ? 0 : await this.queues.redeliverHeld(s.consumerId, filter.queues);
    return queued + (await this.rooms.redeliver(s.ns, s.socketId, filter.wanted));
  }

  /** The socket went away: what it held comes back, its live memberships end (durable ones stay). */
  async disconnect(s: SessionRef): Promise<void> {
    try {
      await this.queues.consumerGone(s.consumerId);
      await this.rooms.disconnect(s.ns, s.socketId);
    } catch (error) {
      this.logger.error(`disconnect ${s.socketId} in /${s.ns}: ${(error as Error).message}`);
    }
  }
}

function notHeld(id: string): CourierError {
  return CourierError.notFound(`message ${id} is not held by this socket`);
}
