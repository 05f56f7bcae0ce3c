import { Agent, request as httpRequest } from 'node:http';
import { connect, Socket } from 'node:net';

/** One HTTP request exactly as given: the path is sent byte for byte (no `.`/`..` or `%2E` rewriting). */
export interface RawRequest {
  method: string;
  /** Path and query as they go on the request line, e.g. `/api/namespaces/events/queues/%2E/messages?limit=1`. */
  path: string;
  headers?: Record<string, string>;
  /** Sent as given; a string is sent as UTF-8. Content-Length is set from it unless `headers` has one. */
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * An HTTP client that sends paths as they are. fetch and supertest normalise the URL first (a `%2E`
 * segment becomes `.` and is then removed), which hides what the server does with such a path. Keeps
 * connections alive, so thousands of requests in a row do not each pay for a new TCP connection.
 */
export class RawHttp {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, private readonly timeoutMs = 10_000) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  send(req: RawRequest): Promise<RawResponse> {
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string> = { ...req.headers };
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
    return new Promise<RawResponse>((resolve, reject) => {
      const outgoing = httpRequest({ host: this.host, port: this.port, method: req.method, path: req.path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
        });
      });
      outgoing.setTimeout(this.timeoutMs, () => outgoing.destroy(new Error(`no answer within ${this.timeoutMs} ms to ${req.method} ${req.path}`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a raw TCP exchange came to: the status line received (if any) and when the connection ended. */
export interface RawExchange {
  /** e.g. `HTTP/1.1 413 Payload Too Large`, or null when nothing came back. */
  statusLine: string | null;
  /** ms from connecting until the first byte of the answer, or null. */
  answeredAfterMs: number | null;
  /** ms from connecting until the server closed the connection, or null if it was still open at `waitMs`. */
  closedAfterMs: number | null;
}

/**
 * Writes `head` on a plain TCP connection, then `trickle()` bytes every `trickleEveryMs` (if given), and
 * watches for at most `waitMs` what the server does: for requests no HTTP client library would send
 * (a Content-Length it never follows with a body, a body sent a byte a second). Always closes the socket.
 */
export function rawExchange(
  port: number,
  head: string,
  options: { waitMs: number; trickleEveryMs?: number; stopOnAnswer?: boolean },
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const result: RawExchange = { statusLine: null, answeredAfterMs: null, closedAfterMs: null };
    let received = '';
    let trickle: NodeJS.Timeout | undefined;
    let done = false;
    const socket: Socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (options.trickleEveryMs) trickle = setInterval(() => socket.writable && socket.write('a'), options.trickleEveryMs);
    });
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(trickle);
      clearTimeout(deadline);
      socket.destroy();
      resolve(result);
    };
    const deadline = setTimeout(finish, options.waitMs);
    socket.on('data', (chunk: Buffer) => {
      if (result.answeredAfterMs === null) result.answeredAfterMs = Date.now() - started;
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n');
      if (result.statusLine === null && end >= 0) result.statusLine = received.slice(0, end);
      if (options.stopOnAnswer && result.statusLine !== null) finish();
    });
    // A reset counts as closing: the server dropped the connection.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!done) result.closedAfterMs = Date.now() - started;
      finish();
    });
  });
}
