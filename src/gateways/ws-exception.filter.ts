import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { fail, WsFailure } from './ws-reply.js';

const CODES = new Set<string>(Object.values(ErrorCode));

/**
 * The one place socket errors get their shape: every exception a handler throws is answered through the
 * event's acknowledgement callback as `{ ok: false, error: { code, message, details? } }`. Unexpected
 * errors answer INTERNAL without a stack and are logged. Nothing is emitted on the socket otherwise:
 * an event sent without a callback has nobody to answer.
 */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('SocketErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = this.toFailure(exception);
    // Nest calls a handler with (socket, payload, ack, pattern); `ack` is the client's callback, if any.
    const ack: unknown = host.getArgByIndex(2);
    const event: unknown = host.getArgByIndex(3);
    if (typeof ack === 'function') ack(reply);
    else this.logger.debug(`${String(event)} without acknowledgement failed: ${reply.error.code} ${reply.error.message}`);
  }

  toFailure(exception: unknown): WsFailure {
    if (exception instanceof CourierError) {
      return fail(exception.code, exception.message, exception.details);
    }
    if (exception instanceof WsException) {
      const error = exception.getError();
      if (typeof error === 'object' && error !== null && CODES.has(String((error as { code?: unknown }).code))) {
        const { code, message, details } = error as { code: ErrorCode; message?: unknown; details?: unknown };
        return fail(code, String(message ?? code), details);
      }
      const message = typeof error === 'string' ? error : 'invalid event';
      // Nest's guards refuse with WsException('Forbidden resource').
      if (message === 'Forbidden resource') return fail(ErrorCode.FORBIDDEN, message);
      return fail(CODES.has(message) ? (message as ErrorCode) : ErrorCode.VALIDATION, message);
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return fail(ErrorCode.INTERNAL, 'internal error');
  }
}
