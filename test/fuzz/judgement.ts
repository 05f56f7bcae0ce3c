/**
 * What the contract says a request must come to, built up rule by rule while a request is judged.
 *
 * - `ok`: every rule it touches is met, so it must succeed.
 * - `refused`: it breaks a rule, so it must fail (with one of `refusals`: REST statuses or socket codes).
 * - `any`: the contract leaves it open, or two fair readings of it differ (each such rule is named in
 *   `reasons`); the answer must still be well formed, and a refusal must still be one of `refusals`.
 *
 * A broken rule wins over an open one: a request with an unknown field is refused whatever else it holds.
 */
export type Verdict = 'ok' | 'refused' | 'any';

export type Refusal = number | string;

export class Judgement {
  verdict: Verdict = 'ok';
  readonly reasons: string[] = [];
  readonly refusals = new Set<Refusal>();

  refuse(reason: string, ...answers: Refusal[]): this {
    this.verdict = 'refused';
    this.reasons.push(reason);
    for (const answer of answers) this.refusals.add(answer);
    return this;
  }

  /** The contract leaves this open: success or one of `answers`. */
  open(reason: string, ...answers: Refusal[]): this {
    if (this.verdict === 'ok') this.verdict = 'any';
    this.reasons.push(`open: ${reason}`);
    for (const answer of answers) this.refusals.add(answer);
    return this;
  }

  describe(): string {
    const refusals = [...this.refusals].join('|') || '-';
    return `${this.verdict} (refusal: ${refusals}) because ${this.reasons.join('; ') || 'every rule is met'}`;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

export function hasOwn(value: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}
