import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { Redis } from 'ioredis';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { closeRedis, connectRedis, createRedisClient } from '../store/redis/redis-connection.js';
import { Peers } from '../delivery/peers.js';

/** A node refreshes its liveness this often; without a refresh for ALIVE_TTL_MS it no longer counts. */
const HEARTBEAT_MS = 1000;
const ALIVE_TTL_MS = 3000;
/** Longest wait for the other nodes' answers; a node that does not answer in time counts 0. */
const ANSWER_TIMEOUT_MS = 1000;
/** The list of live nodes is read at most this often. */
const PEER_LIST_TTL_MS = 250;

interface Question {
  readonly id: string;
  readonly from: string;
  readonly topic: string;
  readonly payloads: unknown[];
}

interface Answer {
  readonly id: string;
  readonly from: string;
  readonly n: number[];
}

interface Pending {
  readonly waitingFor: Set<string>;
  readonly totals: number[];
  finish(): void;
}

/**
 * Peers over Redis (STORE=redis). Live nodes are the members of `<prefix>nodes` whose
 * `<prefix>alive:<node>` key (PX ALIVE_TTL_MS, refreshed every HEARTBEAT_MS) still exists, so a node
 * killed with -9 stops counting within ALIVE_TTL_MS, judged by Redis's clock rather than the nodes'.
 * A question is PUBLISHed on `<prefix>peers`; each other node answers on `<prefix>peers:<asker>`, and the
 * asker sums what arrives from the live nodes within ANSWER_TIMEOUT_MS.
 */
@Injectable()
export class RedisPeers extends Peers implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisPeers.name);
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly questions: string;
  private readonly answers: string;
  private readonly pending = new Map<string, Pending>();
  private heartbeat: NodeJS.Timeout | null = null;
  private peerList: { at: number; nodes: Promise<string[]> } | null = null;
  private asked = 0;

  constructor(
    private readonly config: CourierConfig,
    private readonly nodeId: NodeId,
    @Optional() @Inject(MESSAGE_STORE) store?: MessageStore,
  ) {
    super();
    // After Redis lost its data this node counts as declared again only once the others can ask it again.
    store?.onReset(() => this.rejoin());
    this.questions = `${config.redisPrefix}peers`;
    this.answers = `${config.redisPrefix}peers:${nodeId.value}`;
    this.pub = createRedisClient(config.redisUrl, 'peers-pub');
    this.sub = createRedisClient(config.redisUrl, 'peers-sub', 'subscriber');
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([connectRedis(this.pub, this.config.redisUrl), connectRedis(this.sub, this.config.redisUrl)]);
    this.sub.on('message', (channel: string, text: string) => {
      if (channel === this.questions) void this.answer(text);
      else if (channel === this.answers) this.collect(text);
    });
    await this.sub.subscribe(this.questions, this.answers);
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat().catch(() => undefined), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Back in the list of live nodes, with the subscriber listening again (it resubscribes on reconnect). */
  private async rejoin(): Promise<void> {
    for (let waited = 0; this.sub.status !== 'ready'; waited += 50) {
      if (waited > 10_000) throw new Error('the peers subscriber did not reconnect');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.beat();
    this.peerList = null;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const pending of this.pending.values()) pending.finish();
    if (this.pub.status === 'ready') {
      await this.pub.multi().srem(this.nodesKey(), this.nodeId.value).del(this.aliveKey(this.nodeId.value)).exec().catch(() => undefined);
    }
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }

  override async sumEach(topic: string, payloads: readonly unknown[]): Promise<number[]> {
    const local = await this.local(topic, payloads);
    const others = await this.otherNodes().catch(() => []);
    if (others.length === 0 || payloads.length === 0) return local;
    const id = `${this.nodeId.value}:${++this.asked}`;
    const remote = new Promise<number[]>((resolve) => {
      const timer = setTimeout(() => entry.finish(), ANSWER_TIMEOUT_MS);
      const entry: Pending = {
        waitingFor: new Set(others),
        totals: local,
        finish: () => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(entry.totals);
        },
      };
      this.pending.set(id, entry);
    });
    const question: Question = { id, from: this.nodeId.value, topic, payloads: [...payloads] };
    this.pub.publish(this.questions, JSON.stringify(question)).catch((error: Error) => {
      this.logger.debug(`question not sent: ${error.message}`);
      this.pending.get(id)?.finish();
    });
    return remote;
  }

  private async answer(text: string): Promise<void> {
    const question = parse<Question>(text);
    if (!question || question.from === this.nodeId.value) return;
    if (!Array.isArray(question.payloads)) return;
    const n = await this.local(question.topic, question.payloads).catch(() => question.payloads.map(() => 0));
    const answer: Answer = { id: question.id, from: this.nodeId.value, n };
    await this.pub.publish(`${this.config.redisPrefix}peers:${question.from}`, JSON.stringify(answer)).catch(() => undefined);
  }

  private collect(text: string): void {
    const answer = parse<Answer>(text);
    const pending = answer && this.pending.get(answer.id);
    if (!answer || !pending || !pending.waitingFor.delete(answer.from)) return;
    pending.totals.forEach((_, i) => (pending.totals[i] += Number(answer.n?.[i]) || 0));
    if (pending.waitingFor.size === 0) pending.finish();
  }

  private otherNodes(): Promise<string[]> {
    const now = Date.now();
    if (!this.peerList || now - this.peerList.at > PEER_LIST_TTL_MS) {
      this.peerList = { at: now, nodes: this.readLiveNodes() };
      this.peerList.nodes.catch(() => (this.peerList = null));
    }
    return this.peerList.nodes.then((nodes) => nodes.filter((n) => n !== this.nodeId.value));
  }

  private async readLiveNodes(): Promise<string[]> {
    const nodes = await this.pub.smembers(this.nodesKey());
    if (nodes.length === 0) return [];
    const alive = await this.pub.mget(...nodes.map((n) => this.aliveKey(n)));
    const gone = nodes.filter((_, i) => alive[i] === null);
    if (gone.length) await this.pub.srem(this.nodesKey(), ...gone);
    return nodes.filter((_, i) => alive[i] !== null);
  }

  private async beat(): Promise<void> {
    await this.pub.multi().sadd(this.nodesKey(), this.nodeId.value).set(this.aliveKey(this.nodeId.value), '1', 'PX', ALIVE_TTL_MS).exec();
  }

  private nodesKey(): string {
    return `${this.config.redisPrefix}nodes`;
  }

  private aliveKey(node: string): string {
    return `${this.config.redisPrefix}alive:${node}`;
  }
}

function parse<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
