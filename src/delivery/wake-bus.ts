import { Injectable } from '@nestjs/common';
import { Channel } from '../store/stored-message.js';

export type WakeHandler = (channel: Channel) => void;

/**
 * Tells whoever delivers a channel that it may have ready messages. In one process that is a direct
 * call; a cluster transport (Redis pub/sub) extends it so a publish on one node wakes consumers on all.
 */
@Injectable()
export class WakeBus {
  private readonly handlers: WakeHandler[] = [];

  onWake(handler: WakeHandler): void {
    this.handlers.push(handler);
  }

  wake(channels: readonly Channel[]): void {
    for (const channel of channels) this.deliverLocally(channel);
  }

  protected deliverLocally(channel: Channel): void {
    for (const handler of this.handlers) handler(channel);
  }
}
