import { randomUUID } from 'node:crypto';
import { io, Socket } from 'socket.io-client';
import { waitFor } from './wait-for.js';

/** One event the client received. */
export interface Received {
  event: string;
  body: any;
}

/**
 * A real socket.io-client connection with what it received recorded in order, and `request` for
 * events answered through the acknowledgement callback.
 */
export class TestClient {
  readonly received: Received[] = [];

  constructor(readonly socket: Socket) {
    socket.onAny((event: string, body: unknown) => this.received.push({ event, body }));
  }

  /** Emits with an acknowledgement and resolves with the answer. */
  request(event: string, ...args: unknown[]): Promise<any> {
    return this.socket.timeout(5000).emitWithAck(event, ...args);
  }

  /** Bodies received under `event` (default `message`). */
  bodies(event = 'message'): any[] {
    return this.received.filter((r) => r.event === event).map((r) => r.body);
  }

  /** Waits until `count` bodies arrived under `event` and returns them. */
  async waitForBodies(count: number, event = 'message', timeoutMs = 5000): Promise<any[]> {
    return waitFor(() => (this.bodies(event).length >= count ? this.bodies(event) : null), `${count} × ${event}`, timeoutMs);
  }

  close(): void {
    this.socket.disconnect();
    open.delete(this);
  }
}

const open = new Set<TestClient>();

export interface ConnectOptions {
  clientId?: string;
  token?: string;
  /** Extra handshake `auth` fields, sent as given. */
  auth?: Record<string, unknown>;
}

/** Connects to `/<ns>` over WebSocket; rejects with the connect error if the server refuses. */
export async function connectClient(url: string, ns: string, options: ConnectOptions = {}): Promise<TestClient> {
  // Recording starts before the handshake: a durable member's replay can arrive with the connect packet.
  const client = new TestClient(connectSocket(url, ns, options));
  await new Promise<void>((resolve, reject) => {
    client.socket.once('connect', () => resolve());
    client.socket.once('connect_error', (error) => {
      client.socket.disconnect();
      reject(error);
    });
  });
  open.add(client);
  return client;
}

/** The connect error the server answers (fails if it accepts the connection). */
export async function connectError(url: string, ns: string, options: ConnectOptions = {}): Promise<Error & { data?: any }> {
  try {
    const client = await connectClient(url, ns, options);
    client.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error(`connection to /${ns} was accepted`);
}

function connectSocket(url: string, ns: string, options: ConnectOptions): Socket {
  const auth: Record<string, unknown> = { ...options.auth };
  if (options.clientId !== undefined) auth.clientId = options.clientId;
  if (options.token !== undefined) auth.token = options.token;
  return io(`${url}/${ns}`, { auth, transports: ['websocket'], forceNew: true, reconnection: false });
}

/** Closes every client still open (call in afterEach). */
export function closeAllClients(): void {
  for (const client of [...open]) client.close();
}

/** A name no other test uses: `prefix-<random>`. */
export function fresh(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
