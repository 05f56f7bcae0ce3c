import { io, Socket } from 'socket.io-client';
import type { NoAnswer } from './history.js';

/** How a request over a socket ended. */
export type Answer = { outcome: 'ok'; body: any; at: number } | { outcome: 'fail'; code: string; at: number } | { outcome: 'none'; why: NoAnswer };

/**
 * One Socket.IO connection to one node incarnation, never reconnected by itself: when it drops, its
 * owner opens a new one (and records it), so every operation belongs to exactly one server process.
 */
export class SocketLink {
  private pending = 0;
  private idle: (() => void)[] = [];
  readonly closed: Promise<string>;

  private constructor(
    readonly socket: Socket,
    readonly name: string,
    readonly incarnation: string,
  ) {
    this.closed = new Promise((resolve) => socket.once('disconnect', (reason) => resolve(String(reason))));
  }

  /**
   * Connects to `/<ns>` of `url`; rejects when the node refuses or does not answer in time. `onMessage`
   * hears every `message` from before the handshake completes: a durable member's replay can come with it.
   */
  static async open(url: string, ns: string, name: string, incarnation: string, auth: Record<string, unknown> = {}, onMessage?: (link: SocketLink, m: unknown) => void): Promise<SocketLink> {
    const socket = io(`${url}/${ns}`, { auth, transports: ['websocket'], forceNew: true, reconnection: false, timeout: 5000 });
    const link = new SocketLink(socket, name, incarnation);
    if (onMessage) socket.on('message', (m: unknown) => onMessage(link, m));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => {
        socket.disconnect();
        reject(error);
      });
    });
    return link;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /**
   * Emits `event` with an acknowledgement. Only call while connected: socket.io-client buffers what is
   * emitted on a closed socket and would report it as a timeout, not as never sent.
   */
  request(event: string, body: unknown, timeoutMs: number): Promise<Answer> {
    this.pending++;
    return new Promise<Answer>((resolve) => {
      this.socket.timeout(timeoutMs).emit(event, body, (error: Error | null, reply: any) => {
        if (error) resolve({ outcome: 'none', why: /disconnected/.test(error.message) ? 'disconnected' : 'timeout' });
        else if (reply?.ok === true) resolve({ outcome: 'ok', body: reply, at: Date.now() });
        else resolve({ outcome: 'fail', code: String(reply?.error?.code ?? JSON.stringify(reply)), at: Date.now() });
      });
    }).finally(() => {
      if (--this.pending === 0) this.idle.splice(0).forEach((wake) => wake());
    });
  }

  /** Resolves once no request is waiting for its answer (or after `timeoutMs`). */
  async settled(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.disconnect();
  }
}
