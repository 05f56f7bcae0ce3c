import { Injectable, PipeTransform } from '@nestjs/common';
import { CourierError } from '../common/courier-error.js';

export const DEFAULT_DEAD_LETTER_LIMIT = 100;
export const MAX_DEAD_LETTER_LIMIT = 1000;

/** `?limit=` of dead-letter lists: a whole number 1–1000, default 100; anything else is a 400. */
@Injectable()
export class DeadLetterLimitPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    if (value === undefined) return DEFAULT_DEAD_LETTER_LIMIT;
    const limit = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
    if (!(limit >= 1 && limit <= MAX_DEAD_LETTER_LIMIT)) {
      throw CourierError.validation(`limit must be an integer from 1 to ${MAX_DEAD_LETTER_LIMIT}`, { field: 'limit' });
    }
    return limit;
  }
}
