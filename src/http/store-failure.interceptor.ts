import { CallHandler, ExecutionContext, HttpException, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';

/**
 * Tells "the store is down" (503, retry later) from a fault of ours (500). Adapters answer their own
 * failures as UNAVAILABLE already; an error that is neither a domain nor an HTTP error is a store
 * failure too when the store no longer answers a ping; otherwise it stays a 500.
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
    const unreachable = await this.store.ping().then(
      () => false,
      () => true,
    );
    if (!unreachable) return error;
    this.logger.warn(`store unavailable: ${(error as Error)?.message ?? String(error)}`);
    return new CourierError(ErrorCode.UNAVAILABLE, 'the message store is unavailable; try again later');
  }
}
