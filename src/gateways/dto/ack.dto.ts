import { IsOmittable } from '../../common/validators.js';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length } from 'class-validator';
import { CourierError } from '../../common/courier-error.js';

export const MAX_ACK_IDS = 1000;
const MAX_ID_LENGTH = 256;

const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= MAX_ID_LENGTH;

/** `ack` / `received`: `{ id }` (or the lab's `messageId` / `messageID`) or `{ ids }`. Other fields are ignored. */
export class AckDto {
  @IsOmittable() @IsString() @Length(1, MAX_ID_LENGTH)
  id?: string;

  @IsOmittable() @IsString() @Length(1, MAX_ID_LENGTH)
  messageId?: string;

  @IsOmittable() @IsString() @Length(1, MAX_ID_LENGTH)
  messageID?: string;

  @IsOmittable() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_ACK_IDS) @IsString({ each: true }) @Length(1, MAX_ID_LENGTH, { each: true })
  ids?: string[];

  /** `{ id }` or `{ ids }` of well-formed strings, without class-validator: one ack per message is the hot path. */
  static accept(value: unknown): AckDto | null {
    if (value === null || typeof value !== 'object') return null;
    const { id, ids, messageId, messageID } = value as Record<string, unknown>;
    if (messageId !== undefined || messageID !== undefined) return null;
    const dto = new AckDto();
    if (ids === undefined && isId(id)) dto.id = id;
    else if (id === undefined && Array.isArray(ids) && ids.length >= 1 && ids.length <= MAX_ACK_IDS && ids.every(isId)) dto.ids = ids;
    else return null;
    return dto;
  }

  /** The one id acked, or null when `ids` is given. */
  singleId(): string | null {
    const id = this.id ?? this.messageId ?? this.messageID ?? null;
    if ((id === null) === (this.ids === undefined)) throw CourierError.validation('give either id or ids', { field: 'id' });
    return id;
  }
}
