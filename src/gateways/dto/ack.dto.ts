import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length } from 'class-validator';
import { CourierError } from '../../common/courier-error.js';

export const MAX_ACK_IDS = 1000;
const MAX_ID_LENGTH = 256;

/** `ack` / `received`: `{ id }` (or the lab's `messageId` / `messageID`) or `{ ids }`. Other fields are ignored. */
export class AckDto {
  @IsOptional() @IsString() @Length(1, MAX_ID_LENGTH)
  id?: string;

  @IsOptional() @IsString() @Length(1, MAX_ID_LENGTH)
  messageId?: string;

  @IsOptional() @IsString() @Length(1, MAX_ID_LENGTH)
  messageID?: string;

  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_ACK_IDS) @IsString({ each: true }) @Length(1, MAX_ID_LENGTH, { each: true })
  ids?: string[];

  /** The one id acked, or null when `ids` is given. */
  singleId(): string | null {
    const id = this.id ?? this.messageId ?? this.messageID ?? null;
    if ((id === null) === (this.ids === undefined)) throw CourierError.validation('give either id or ids', { field: 'id' });
    return id;
  }
}
