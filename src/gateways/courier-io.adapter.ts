import { INestApplicationContext, Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../common/error-code.js';
import { CourierConfig } from '../config/courier-config.js';
import { fail } from './ws-reply.js';

/**
 * The Socket.IO server every namespace shares:
 * - frames up to 3 × MAX_PAYLOAD_BYTES are read, so an event over the limit (up to twice it) can be
 *   answered PAYLOAD_TOO_LARGE by the gateway instead of closing the connection;
 * - browsers may connect only from the same origin or one of CORS_ORIGINS, on every transport
 *   (WebSocket upgrades are not covered by CORS, hence `allowRequest`);
 * - only the gateways' namespaces exist: the main namespace `/` refuses connections like unknown ones;
 * - shutdown drains (contract §1): new connections and events are refused, events being handled finish and
 *   are answered (a publish stored during shutdown is confirmed), and only then are the sockets closed.
 */
// Nest's platform package pins its own copy of socket.io: take the types from it, not from ours.
type IoServer = ReturnType<IoAdapter['createIOServer']>;
type IoServerOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;

/** Longest wait at shutdown for events being handled (the whole stop must fit in 10 s). */
const DRAIN_TIMEOUT_MS = 5000;
/** Time for the last answers to leave the write buffers before the sockets close. */
const FLUSH_MS = 50;

export class CourierIoAdapter extends IoAdapter {
  private inFlight = 0;
  private draining: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  constructor(
    app: INestApplicationContext,
    private readonly config: CourierConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: IoServerOptions): IoServer {
    const origins = this.config.corsOrigins;
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: 3 * this.config.maxPayloadBytes,
      cors: origins.length ? { origin: origins, credentials: true } : undefined,
      allowRequest: (req, callback) => callback(null, this.draining === null && originAllowed(req, origins)),
    } as IoServerOptions);
    server.of('/').use((_socket, next) => next(new Error('Invalid namespace')));
    return server;
  }

  /** Nest closes each gateway's server at shutdown: the first call drains, every call waits for that. */
  override async close(server: IoServer): Promise<void> {
    await this.drain();
    return super.close(server);
  }

  /** Refuses new events and connections, then waits for the events being handled to be answered. */
  drain(): Promise<void> {
    this.draining ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        bindLogger.warn(`shutdown: ${this.inFlight} socket events still unanswered after ${DRAIN_TIMEOUT_MS} ms`);
        resolve();
      }, DRAIN_TIMEOUT_MS);
      this.drained = () => {
        clearTimeout(timer);
        setTimeout(resolve, FLUSH_MS);
      };
      if (this.inFlight === 0) this.drained();
    });
    return this.draining;
  }

  private settled(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.drained) {
      const done = this.drained;
      this.drained = null;
      done();
    }
  }

  /**
   * One plain listener per handler and socket, instead of the RxJS pipeline per handler and socket that
   * IoAdapter builds (fromEvent → mergeMap → takeUntil(disconnect)): with a dozen events per namespace that
   * pipeline cost ~45 KB per idle connection and several allocations per event. Answers are handled as
   * IoAdapter does: a `{ event, data }` result is emitted, anything else goes to the ack callback.
   */
  override bindMessageHandlers(
    socket: { on(event: string, listener: (...args: unknown[]) => void): unknown; emit(event: string, data: unknown): unknown },
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        const { data, ack } = this.mapPayload(args.length === 0 ? undefined : args.length === 1 ? args[0] : args);
        if (this.draining) {
          if (typeof ack === 'function') (ack as (r: unknown) => void)(fail(ErrorCode.UNAVAILABLE, 'the server is shutting down; try again on another connection'));
          return;
        }
        this.inFlight++;
        transform(callback(data, ack)).subscribe({
          next: (response) => {
            if (response === undefined || response === null) return;
            const { event, data: body } = response as { event?: string; data?: unknown };
            if (event) socket.emit(event, body);
            else if (!isAckHandledManually && typeof ack === 'function') (ack as (r: unknown) => void)(response);
          },
          error: (error: unknown) => {
            bindLogger.error(error);
            this.settled();
          },
          complete: () => this.settled(),
        });
      });
    }
  }
}

const bindLogger = new Logger(CourierIoAdapter.name);

/** Non-browser clients send no Origin; browsers must come from this host or a listed origin. */
export function originAllowed(req: IncomingMessage, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || origins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
