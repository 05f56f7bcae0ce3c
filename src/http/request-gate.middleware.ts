import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './http-exception.filter.js';

/** `application/json` and the `+json` kinds, with or without parameters. */
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * Runs before any body is read: a declared body over `maxBytes` is answered 413 at once (the connection is
 * then closed rather than drained), and a body that is not JSON is answered 415 — form posts included, so a
 * cross-site HTML form can never publish (contract §4). Socket.IO's own requests never reach Express.
 */
export function requestGate(maxBytes: number) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const declared = req.headers['content-length'];
    const length = declared === undefined ? 0 : Number(declared);
    if (length > maxBytes) {
      res.setHeader('Connection', 'close');
      return reply(res, 413, `request entity too large: ${length} bytes, over the limit of ${maxBytes}`);
    }
    const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
      return reply(res, 415, 'request body must be JSON, sent as Content-Type: application/json');
    }
    next();
  };
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(errorBody(status, message)));
}
