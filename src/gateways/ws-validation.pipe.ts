import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { ValidatorOptions } from 'class-validator';
import { ErrorCode } from '../common/error-code.js';
import { prototypeNamedKeys, withMessageDataAside } from '../common/prototype-keys.js';
import { WS_PAYLOAD } from './ws-payload.decorator.js';

/**
 * What a socket DTO class may declare about itself, as static members:
 * - `bareField`: a bare string payload fills this field (`joinRoom 'lobby'` = `{ room: 'lobby' }`);
 * - `forbidUnknownFields`: unknown fields answer VALIDATION (publish, publishBatch) instead of being
 *   ignored (every other event, as the contract asks for ack/nack/received and the caps events).
 */
export interface SocketDtoOptions {
  readonly bareField?: string;
  readonly forbidUnknownFields?: boolean;
  /**
   * For the hottest events: recognises the common, valid shape cheaply and returns the DTO, or null to
   * fall back to class-validator (which also words the errors). Must accept nothing class-validator refuses.
   */
  readonly accept?: (value: unknown) => object | null;
}

/** One field's problems, as sent in `error.details`. */
export interface FieldError {
  field: string;
  errors: string[];
}

/**
 * Validates `@WsPayload()` DTOs and raises a WsException carrying `{ code: 'VALIDATION', message,
 * details }`, which WsExceptionFilter answers through the acknowledgement. Only the payload is validated:
 * pipes bound to a gateway also see `@ConnectedSocket()`, whose class must not be mistaken for a DTO.
 */
@Injectable()
export class WsValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: false,
      exceptionFactory: (errors: ValidationError[]) => toWsValidationException(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom' || metadata.data !== WS_PAYLOAD) return value;
    const options = (metadata.metatype ?? {}) as SocketDtoOptions;
    if (typeof value === 'string' && options.bareField) value = { [options.bareField]: value };
    const accepted = options.accept?.(value);
    if (accepted) return accepted;
    // Looked for first: the ValidationPipe deletes `__proto__` and `constructor` from the value, and
    // class-transformer skips the other Object.prototype names, so the whitelist never sees them.
    const hidden = options.forbidUnknownFields ? prototypeNamedKeys(value) : [];
    const dto: unknown = options.forbidUnknownFields
      ? await withMessageDataAside(value, (v) => super.transform(v, { ...metadata, type: 'body' }))
      : await super.transform(value, { ...metadata, type: 'body' });
    if (hidden.length) {
      const details = hidden.map((field) => ({ field, errors: [`property ${field} should not exist`] }));
      throw new WsException({ code: ErrorCode.VALIDATION, message: details.map((d) => d.errors[0]).join('; '), details });
    }
    return dto;
  }

  protected override validate(object: object, validatorOptions?: ValidatorOptions) {
    const strict = (object.constructor as SocketDtoOptions | undefined)?.forbidUnknownFields === true;
    return super.validate(object, { ...validatorOptions, forbidNonWhitelisted: strict });
  }
}

export function toWsValidationException(errors: ValidationError[]): WsException {
  const details = flatten(errors, '');
  const message = details.map((d) => d.errors.join(', ')).join('; ') || 'invalid payload';
  return new WsException({ code: ErrorCode.VALIDATION, message, details });
}

function flatten(errors: readonly ValidationError[], prefix: string): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {}).map((m) => (prefix ? `${field}: ${m}` : m));
    if (messages.length) out.push({ field, errors: messages });
    out.push(...flatten(error.children ?? [], field));
  }
  return out;
}
