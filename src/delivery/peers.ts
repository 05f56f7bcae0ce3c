import { Injectable } from '@nestjs/common';

/** How this node answers one kind of question: a count of its own (or what it did, counted). */
export type PeerHandler = (payload: any) => number | Promise<number>;

/**
 * Questions that every node of the deployment answers for itself, summed: "how many consumers of this
 * queue do you have?", "send this room message to your anonymous sockets in the room: to how many?".
 * On a single node the sum is the local answer; RedisPeers (STORE=redis) asks the other nodes as well.
 *
 * @example
 *   peers.handle('consumers', ({ ns, queue }) => this.consumerCount(ns, queue));
 *   const consumers = await peers.sum('consumers', { ns, queue });
 */
@Injectable()
export class Peers {
  private readonly handlers = new Map<string, PeerHandler>();

  /** Registers this node's answer to `topic` (one handler per topic). */
  handle(topic: string, handler: PeerHandler): void {
    this.handlers.set(topic, handler);
  }

  /** Asks every node, this one included; `payload` must survive JSON. */
  async sum(topic: string, payload: unknown): Promise<number> {
    const [total] = await this.sumEach(topic, [payload]);
    return total;
  }

  /** Asks every node the same question for each payload at once (one round trip in a cluster); one total each. */
  async sumEach(topic: string, payloads: readonly unknown[]): Promise<number[]> {
    return this.local(topic, payloads);
  }

  /** This node's own answers (0 for a topic it does not handle). */
  protected async local(topic: string, payloads: readonly unknown[]): Promise<number[]> {
    const handler = this.handlers.get(topic);
    const answers: number[] = [];
    for (const payload of payloads) answers.push(handler ? Number(await handler(payload)) || 0 : 0);
    return answers;
  }
}
