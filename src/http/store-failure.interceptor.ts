import { CallHandler, ExecutionContext, HttpException, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';

/** Error codes of a store that cannot be reached or written now (SQLite's and Node's sockets'). */
const UNREACHABLE_CODES = /^(SQLITE_(IOERR|FULL|READONLY|CANTOPEN|BUSY|LOCKED|NOMEM)|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH)/;

/**
 * Tells "the store is down" (503, retry later) from a fault of ours (500). An error that is neither a
 * domain nor an HTTP error is a store failure: 503 when its code says the store is unreachable or
 * read-only, or when the store no longer answers a ping; otherwise it stays a 500.
 */
@Injectable()
export class StoreFailureInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Http');

  constructor(@Inject(MESSAGE_STORE) private readonly store: MessageStore) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((error: unknown) => from(this.classify(error)).pipe(mergeMap((mapped) => throwError(() => mapped)))));
  }

  private async classify(error: unknown): Promise<unknown> {
    if (error instanceof CourierError || error instanceof HttpException) return error;
    const code = String((error as { code?: unknown } | null)?.code ?? '');
    const unreachable = UNREACHABLE_CODES.test(code) || (await this.store.ping().then(() => false, () => true));
    if (!unreachable) return error;
    this.logger.warn(`store unavailable: ${(error as Error)?.message ?? String(error)}`);
    return new CourierError(ErrorCode.UNAVAILABLE, 'the message store is unavailable; try again later');
  }
}
