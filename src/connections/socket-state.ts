import { SocketMember } from './socket-member.js';

/** What one connected socket is in and holds, kept only while it is connected. */
export class SocketState {
  readonly rooms = new Set<string>();
  readonly mailboxes = new Set<string>();
  /** Mailbox copies this connection was sent and has not acked: id → member (room) name. */
  readonly mailboxHeld = new Map<string, string>();
  /** Recent best-effort deliveries, so their ack answers ok; bounded. */
  readonly liveHeld = new Set<string>();

  constructor(readonly member: SocketMember) {}

  rememberLive(id: string, limit: number): void {
    this.liveHeld.add(id);
    if (this.liveHeld.size > limit) this.liveHeld.delete(this.liveHeld.values().next().value as string);
  }
}
