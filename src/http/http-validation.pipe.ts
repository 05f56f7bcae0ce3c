import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';

/** The REST validation rules (contract §4): unknown fields are errors, listed field by field. */
export const REST_VALIDATION = { whitelist: true, forbidNonWhitelisted: true, transform: true } as const;

/**
 * The global ValidationPipe, limited to HTTP arguments. Nest also hands global pipes the arguments of
 * WebSocket gateways (param types are numbers there, strings on HTTP), and the socket protocol has its
 * own rules: acknowledgement events ignore unknown fields, for one.
 */
@Injectable()
export class HttpValidationPipe extends ValidationPipe {
  constructor() {
    super(REST_VALIDATION);
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (typeof metadata.type !== 'string') return Promise.resolve(value);
    return super.transform(value, metadata);
  }
}
