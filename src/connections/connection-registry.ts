import { Injectable, Optional } from '@nestjs/common';
import { Peers } from '../delivery/peers.js';
import { SocketState } from './socket-state.js';

/**
 * The sockets connected to this node, by namespace and socket id, with what each is in and holds; and
 * the count of connected sockets over every node of a cluster.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly sockets = new Map<string, SocketState>();

  // This node alone when not provided (unit tests).
  constructor(@Optional() private readonly peers: Peers = new Peers()) {
    peers.handle('connections', ({ ns }: { ns: string }) => this.count(ns));
  }

  add(state: SocketState): void {
    this.sockets.set(key(state.member.ns, state.member.id), state);
  }

  /** Forgets a socket; returns what was known of it. */
  remove(ns: string, socketId: string): SocketState | undefined {
    const state = this.sockets.get(key(ns, socketId));
    this.sockets.delete(key(ns, socketId));
    return state;
  }

  get(ns: string, socketId: string): SocketState | undefined {
    return this.sockets.get(key(ns, socketId));
  }

  /** Every socket connected to this node. */
  all(): IterableIterator<SocketState> {
    return this.sockets.values();
  }

  /** Sockets connected to the namespace on this node. */
  count(ns: string): number {
    let n = 0;
    for (const state of this.sockets.values()) if (state.member.ns === ns) n++;
    return n;
  }

  /** Sockets connected to the namespace, on every node of a cluster. */
  total(ns: string): Promise<number> {
    return this.peers.sum('connections', { ns });
  }
}

function key(ns: string, socketId: string): string {
  return `${ns}\0${socketId}`;
}
