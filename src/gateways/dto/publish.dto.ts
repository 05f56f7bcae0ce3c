import { IsOptional, IsString } from 'class-validator';
import { PublishInput } from '../../queue/publish-input.js';
import { PublishMessageDto } from './publish-message.dto.js';

/** `publish`: to exactly one of `queue` or `room`. Unknown fields answer VALIDATION. */
export class PublishDto extends PublishMessageDto {
  static readonly forbidUnknownFields = true;

  @IsOptional() @IsString()
  queue?: string;

  @IsOptional() @IsString()
  room?: string;
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
