import { Allow, IsInt, IsObject, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { MAX_DELAY_MS, MAX_KEY_LENGTH } from '../../queue/publish-input.js';

/** One message of `publish` / `publishBatch` (contract §3, publishing options). */
export class PublishMessageDto {
  /** Any JSON value; required (checked with the other publishing rules by toNewMessage). */
  @Allow()
  payload: unknown;

  @IsOptional() @IsString() @Length(1, MAX_KEY_LENGTH)
  key?: string;

  @IsOptional() @IsInt() @Min(0) @Max(MAX_DELAY_MS)
  delayMs?: number;

  @IsOptional() @IsInt() @Min(0) @Max(9)
  priority?: number;

  @IsOptional() @IsInt() @Min(1) @Max(MAX_DELAY_MS)
  ttlMs?: number;

  @IsOptional() @IsObject()
  headers?: Record<string, string>;
}
