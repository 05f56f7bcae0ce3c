import { IsString } from 'class-validator';

/** `join` / `joinRoom` / `leave`: `{ room }`, or the bare room name. */
export class JoinDto {
  static readonly bareField = 'room';

  @IsString()
  room: string;

  roomName(): string {
    return this.room;
  }
}
