import { IsOmittable } from '../../common/validators.js';
import { IsString } from 'class-validator';
import { CourierError } from '../../common/courier-error.js';
import { PublishInput } from '../../publishing/publish-rules.js';
import { PublishMessageDto } from '../../publishing/publish-message.dto.js';
import { isValidPublish } from '../../publishing/publish-rules.js';

/** `publish`: to exactly one of `queue` or `room`. Unknown fields answer VALIDATION. */
export class PublishDto extends PublishMessageDto {
  static readonly forbidUnknownFields = true;

  @IsOmittable() @IsString()
  queue?: string;

  @IsOmittable() @IsString()
  room?: string;

  /** Where it goes: exactly one of `queue` or `room`, else VALIDATION. */
  target(): { kind: 'queue' | 'room'; name: string } {
    if ((this.queue === undefined) === (this.room === undefined)) throw CourierError.validation('give exactly one of queue or room', { field: 'queue' });
    return this.queue !== undefined ? { kind: 'queue', name: this.queue } : { kind: 'room', name: this.room! };
  }

  /** Skips class-validator for a well-formed publish; the values are checked by toNewMessage. */
  static accept(value: unknown): PublishDto | null {
    if (!isValidPublish(value, ['queue', 'room'])) return null;
    const { queue, room } = value;
    if ((queue !== undefined && typeof queue !== 'string') || (room !== undefined && typeof room !== 'string')) return null;
    return Object.assign(new PublishDto(), value);
  }
}

/** The message part of a publish DTO, without undefined options. */
export function toPublishInput(dto: PublishMessageDto): PublishInput {
  const input: PublishInput = { payload: dto.payload };
  if (dto.key !== undefined) input.key = dto.key;
  if (dto.delayMs !== undefined) input.delayMs = dto.delayMs;
  if (dto.priority !== undefined) input.priority = dto.priority;
  if (dto.ttlMs !== undefined) input.ttlMs = dto.ttlMs;
  if (dto.headers !== undefined) input.headers = dto.headers;
  return input;
}
