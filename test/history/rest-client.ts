import { request } from 'node:http';
import type { NoAnswer } from './history.js';

export type RestAnswer = { status: number; body: any; at: number } | { refused: true } | { none: NoAnswer };

/**
 * One REST call on a connection of its own (no keep-alive pool): a pooled connection to a process that
 * was killed would blur "never sent" and "sent, no answer", which the checker tells apart.
 */
export function postJson(url: string, path: string, body: unknown, timeoutMs: number, extraHeaders: Record<string, string> = {}): Promise<RestAnswer> {
  return new Promise((resolve) => {
    const data = Buffer.from(JSON.stringify(body));
    let connected = false;
    const req = request(`${url}${path}`, { method: 'POST', agent: false, headers: { ...extraHeaders, 'content-type': 'application/json', 'content-length': data.length } });
    const timer = setTimeout(() => {
      req.destroy(new Error('timeout'));
      resolve({ none: 'timeout' });
    }, timeoutMs);
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: kept as text for the report.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, at: Date.now() });
      });
      res.on('error', () => {
        clearTimeout(timer);
        resolve({ none: 'disconnected' });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // A refused connection sent nothing; anything after connecting may have reached the server.
      resolve(!connected && error.code === 'ECONNREFUSED' ? { refused: true } : { none: 'disconnected' });
    });
    req.end(data);
  });
}

export async function getJson(url: string, path: string, timeoutMs = 10_000): Promise<any> {
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
