import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './dto/error-response.dto.js';

const WHEN: Readonly<Record<number, string>> = {
  400: 'Bad body, unknown field, bad name or bad option; `message` lists each problem.',
  401: 'API_KEYS is set and no valid key was given (Authorization: Bearer <key> or x-api-key).',
  403: 'The key may not use this namespace.',
  404: 'Unknown namespace (or, where stated, an unknown resource).',
  413: 'Body over MAX_PAYLOAD_BYTES.',
  429: 'Rate limited; retry later.',
  503: 'The message store is unreachable; nothing was changed, retry later.',
};

/** Documents the error answers a route can give, all in Nest's `{ statusCode, error, message }` shape. */
export function ApiErrors(...statuses: (keyof typeof WHEN)[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: WHEN[status], type: ErrorResponseDto })));
}

/** The errors every `/api` route can give. */
export const API_ROUTE_ERRORS = [401, 403, 404, 429, 503] as const;
