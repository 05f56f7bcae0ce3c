import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';

/** Deeper payloads are refused: they would only overflow the stack of whatever walks them next. */
export const MAX_DEPTH = 64;

/**
 * Checks an incoming event's arguments (the acknowledgement callback left out) before any handler sees
 * them: no binary attachments (payloads are JSON), not nested deeper than MAX_DEPTH, and the whole event
 * at most `maxBytes` as JSON. Returns the error to answer, or null when the event may go on.
 */
export function checkInbound(args: readonly unknown[], maxBytes: number): CourierError | null {
  const shape = inspect(args);
  if (shape === 'binary') return CourierError.validation('binary attachments are not supported: send JSON');
  if (shape === 'deep') return CourierError.validation(`payload is nested deeper than ${MAX_DEPTH} levels`);
  const bytes = Buffer.byteLength(JSON.stringify(args));
  if (bytes > maxBytes) {
    return new CourierError(ErrorCode.PAYLOAD_TOO_LARGE, `event is ${bytes} bytes, over the limit of ${maxBytes}`, { bytes, limit: maxBytes });
  }
  return null;
}

function inspect(root: unknown): 'binary' | 'deep' | 'json' {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return 'binary';
    if (depth >= MAX_DEPTH) return 'deep';
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return 'json';
}
