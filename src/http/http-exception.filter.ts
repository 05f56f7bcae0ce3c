import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';

/** HTTP status of each domain error code. */
export const HTTP_STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.VALIDATION]: HttpStatus.BAD_REQUEST,
  [ErrorCode.NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.UNAUTHORIZED]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.FORBIDDEN]: HttpStatus.FORBIDDEN,
  [ErrorCode.RATE_LIMITED]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.PAYLOAD_TOO_LARGE]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.INTERNAL]: HttpStatus.INTERNAL_SERVER_ERROR,
};

export interface HttpErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

/**
 * Every failing HTTP answer in Nest's shape `{ statusCode, error, message }` (contract §4). Domain
 * `CourierError`s map by code (a VALIDATION message is a list, like the ValidationPipe's); Nest's own
 * exceptions keep their body; anything else is a 500 that says nothing of its cause (logged here).
 * Registered globally: Nest applies global filters to HTTP only, so gateways keep their own.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const [status, body] = this.toBody(exception);
    // Faults of ours only: an HttpException or a CourierError (other than INTERNAL) was answered on purpose.
    const unexpected = exception instanceof CourierError ? exception.code === ErrorCode.INTERNAL : !(exception instanceof HttpException);
    if (unexpected) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (httpAdapter.isHeadersSent(response)) return;
    httpAdapter.reply(response, body, status);
  }

  private toBody(exception: unknown): [number, object] {
    if (exception instanceof CourierError) {
      const status = HTTP_STATUS_OF[exception.code] ?? HttpStatus.INTERNAL_SERVER_ERROR;
      const message = exception.code === ErrorCode.INTERNAL ? 'Internal server error' : exception.message;
      return [status, errorBody(status, exception.code === ErrorCode.VALIDATION ? [message] : message)];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      if (typeof body === 'string') return [status, errorBody(status, body)];
      // Nest's own bodies keep their content, in the documented key order; others (terminus) stay as they are.
      const nest = body as Partial<HttpErrorBody>;
      return [status, nest.message !== undefined ? { statusCode: status, error: nest.error ?? STATUS_CODES[status] ?? 'Error', message: nest.message } : body];
    }
    return [HttpStatus.INTERNAL_SERVER_ERROR, errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error')];
  }
}

export function errorBody(statusCode: number, message: string | string[]): HttpErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}
