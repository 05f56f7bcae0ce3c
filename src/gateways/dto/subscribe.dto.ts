import { IsOmittable } from '../../common/validators.js';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { MAX_PREFETCH } from '../../queue/queue.service.js';

export class SubscribeDto {
  @IsString()
  queue: string;

  /** Unacked messages this socket may hold at once; default 10. */
  @IsOmittable() @IsInt() @Min(1) @Max(MAX_PREFETCH)
  prefetch?: number;
}
