import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { CourierError } from '../common/courier-error.js';

export const DEFAULT_DEAD_LETTER_LIMIT = 100;
export const MAX_DEAD_LETTER_LIMIT = 1000;

/** `?limit=` of dead-letter lists: digits only, 1–1000, default 100; anything else is a 400. */
export function parseDeadLetterLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_DEAD_LETTER_LIMIT;
  const limit = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_DEAD_LETTER_LIMIT)) {
    throw CourierError.validation(`limit must be an integer from 1 to ${MAX_DEAD_LETTER_LIMIT}`, { field: 'limit' });
  }
  return limit;
}

/**
 * The parsed `?limit=`. A param decorator rather than `@Query('limit', pipe)`: the global ValidationPipe
 * would first turn a `number` query param into `+value`, accepting '0x10', '1e2' or ' 5'.
 */
export const DeadLetterLimit = createParamDecorator((_data: unknown, context: ExecutionContext): number => {
  const { query } = context.switchToHttp().getRequest<{ query: Record<string, unknown> }>();
  // `limit` is the only parameter: `?limit[a]=1` or a misspelt `?limt=5` must not quietly mean the default.
  const unknown = Object.keys(query).filter((key) => key !== 'limit');
  if (unknown.length) throw CourierError.validation(`unknown query parameter ${unknown[0]}: only limit is allowed`, { field: unknown[0] });
  return parseDeadLetterLimit(query.limit);
});
