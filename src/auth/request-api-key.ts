import { createParamDecorator, ExecutionContext } from '@nestjs/common';

type Headers = Record<string, string | string[] | undefined>;

/** The API key a REST request presents: `Authorization: Bearer <key>`, else `x-api-key`. */
export function apiKeyOf(headers: Headers): string | undefined {
  const authorization = headers.authorization;
  const bearer = /^Bearer\s+(.+)$/i.exec(typeof authorization === 'string' ? authorization : '')?.[1];
  const header = headers['x-api-key'];
  return bearer ?? (typeof header === 'string' ? header : undefined);
}

/** The request's API key as a handler parameter (a listing that shows only what the key may see). */
export const RequestApiKey = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined =>
  apiKeyOf(context.switchToHttp().getRequest<{ headers: Headers }>().headers),
);
