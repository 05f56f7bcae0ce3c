import { ErrorCode } from './error-code.js';

/**
 * The one error type domain services throw. Edges (gateway filter, HTTP filter) map `code` to their
 * own shape; nothing below the edges knows about sockets or status codes.
 */
export class CourierError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CourierError';
  }

  static validation(message: string, details?: unknown): CourierError {
    return new CourierError(ErrorCode.VALIDATION, message, details);
  }

  static notFound(message: string): CourierError {
    return new CourierError(ErrorCode.NOT_FOUND, message);
  }
}
