import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { jsonShape, MAX_DEPTH } from '../common/json-shape.js';


/**
 * Checks an incoming event's arguments (the acknowledgement callback left out) before any handler sees
 * them: no binary attachments (payloads are JSON), not nested deeper than MAX_DEPTH, and the whole event
 * at most `maxBytes` as JSON. Returns the error to answer, or null when the event may go on.
 */
export function checkInbound(args: readonly unknown[], maxBytes: number): CourierError | null {
  const shape = jsonShape(args);
  if (shape === 'binary') return CourierError.validation('binary attachments are not supported: send JSON');
  if (shape === 'deep') return CourierError.validation(`payload is nested deeper than ${MAX_DEPTH} levels`);
  const bytes = Buffer.byteLength(JSON.stringify(args));
  if (bytes > maxBytes) {
    return new CourierError(ErrorCode.PAYLOAD_TOO_LARGE, `event is ${bytes} bytes, over the limit of ${maxBytes}`, { bytes, limit: maxBytes });
  }
  return null;
}
