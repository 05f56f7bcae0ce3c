import { IsOmittable } from '../../common/validators.js';
import { IsString } from 'class-validator';
import { CourierError } from '../../common/courier-error.js';

/** `join` in caps: also `{ store }`, `{ storeName }` or `{ clientId }` (lab clients), or the bare name. */
export class CapsJoinDto {
  static readonly bareField = 'room';

  @IsOmittable() @IsString()
  room?: string;

  @IsOmittable() @IsString()
  store?: string;

  @IsOmittable() @IsString()
  storeName?: string;

  @IsOmittable() @IsString()
  clientId?: string;

  /** The room asked for, whichever alias named it. */
  roomName(): string {
    const room = this.room ?? this.store ?? this.storeName ?? this.clientId;
    if (room === undefined) throw CourierError.validation('room is required (room, store, storeName or clientId)', { field: 'room' });
    return room;
  }
}
