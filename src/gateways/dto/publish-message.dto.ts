import { IsOmittable } from '../../common/validators.js';
import { Allow, IsInt, IsObject, IsString, Length, Max, Min } from 'class-validator';
import { isValidPublishInput, MAX_DELAY_MS, MAX_KEY_LENGTH, PUBLISH_FIELDS } from '../../delivery/publish-input.js';

/** One message of `publish` / `publishBatch` (contract §3, publishing options). */
export class PublishMessageDto {
  /** Any JSON value; required (checked with the other publishing rules by toNewMessage). */
  @Allow()
  payload: unknown;

  @IsOmittable() @IsString() @Length(1, MAX_KEY_LENGTH)
  key?: string;

  @IsOmittable() @IsInt() @Min(0) @Max(MAX_DELAY_MS)
  delayMs?: number;

  @IsOmittable() @IsInt() @Min(0) @Max(9)
  priority?: number;

  @IsOmittable() @IsInt() @Min(1) @Max(MAX_DELAY_MS)
  ttlMs?: number;

  @IsOmittable() @IsObject()
  headers?: Record<string, string>;
}

/**
 * For the hot path (see SocketDtoOptions.accept): a plain object whose fields are publishing fields (or
 * `extra`), the publishing ones meeting every rule of toNewMessage. Anything else goes to class-validator,
 * which words the errors field by field.
 */
export function isValidPublish(value: unknown, extra: readonly string[] = []): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const message: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if ((PUBLISH_FIELDS as readonly string[]).includes(key)) message[key] = v;
    else if (!extra.includes(key)) return false;
  }
  return isValidPublishInput(message);
}
