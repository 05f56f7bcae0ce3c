import { IsOmittable } from '../../common/validators.js';
import { IsBoolean, IsInt, IsString, Length, Max, Min } from 'class-validator';
import { MAX_DELAY_MS } from '../../publishing/publish-rules.js';

/** `nack`: requeue (default, optionally after `delayMs`) or dead-letter at once. Other fields are ignored. */
export class NackDto {
  @IsString() @Length(1, 256)
  id: string;

  @IsOmittable() @IsBoolean()
  requeue?: boolean;

  @IsOmittable() @IsInt() @Min(0) @Max(MAX_DELAY_MS)
  delayMs?: number;
}
