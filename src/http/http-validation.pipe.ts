import { ArgumentMetadata, BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';
import { jsonShape, MAX_DEPTH } from '../common/json-shape.js';
import { prototypeNamedKeys, withMessageDataAside } from '../common/prototype-keys.js';

/** The REST validation rules (contract §4): unknown fields are errors, listed field by field. */
export const REST_VALIDATION = { whitelist: true, forbidNonWhitelisted: true, transform: true } as const;

/**
 * A body nested deeper than the sockets allow is refused before anything walks it (class-transformer
 * recurses, and overflows the stack at a few thousand levels). As on sockets, where the event's argument
 * list is the root, the body is level 1.
 */
export function assertShallowBody(body: unknown): void {
  if (jsonShape([body]) === 'deep') throw new BadRequestException([`body is nested deeper than ${MAX_DEPTH} levels`]);
}

/**
 * The global ValidationPipe, limited to HTTP arguments. Nest also hands global pipes the arguments of
 * WebSocket gateways (param types are numbers there, strings on HTTP), and the socket protocol has its
 * own rules: acknowledgement events ignore unknown fields, for one.
 *
 * Fields named like Object.prototype members (`constructor`, `__proto__`, `toString`, …) are unknown fields
 * too: Nest deletes `__proto__` and `constructor` from a body before validating it and class-transformer
 * skips the others, so the whitelist alone never sees them.
 */
@Injectable()
export class HttpValidationPipe extends ValidationPipe {
  constructor() {
    super(REST_VALIDATION);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (typeof metadata.type !== 'string') return value;
    const validated = metadata.type === 'body' && typeof metadata.metatype === 'function' && metadata.metatype !== Object;
    if (!validated) return super.transform(value, metadata);
    assertShallowBody(value);
    const hidden = prototypeNamedKeys(value);
    const dto: unknown = await withMessageDataAside(value, (v) => super.transform(v, metadata));
    if (hidden.length) throw new BadRequestException(hidden.map((path) => `property ${path} should not exist`));
    return dto;
  }
}
