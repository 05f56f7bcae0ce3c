import { parseArgs } from 'node:util';

export interface SoakOptions {
  readonly minutes: number;
  readonly rate: number;
  readonly consumers: number;
  readonly prefetch: number;
}

export const USAGE = `npm run soak -- [--minutes 60] [--rate 2000] [--consumers 4] [--prefetch 100]

Starts node dist/main.js (STORE=sqlite, fresh temp DATA_DIR; builds first when dist is stale), publishes
--rate messages a second over Socket.IO and consumes them with --consumers reconnecting consumers, prints
one line a minute and a summary, and exits 1 when a check fails (2 on bad arguments, 130 when interrupted).`;

/** Parses the command line; throws an Error whose message is meant for the user. */
export function parseOptions(argv: readonly string[]): SoakOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string', default: '60' },
      rate: { type: 'string', default: '2000' },
      consumers: { type: 'string', default: '4' },
      prefetch: { type: 'string', default: '100' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  return {
    minutes: positiveInt('minutes', values.minutes, 24 * 60),
    rate: positiveInt('rate', values.rate, 100_000),
    consumers: positiveInt('consumers', values.consumers, 100),
    prefetch: positiveInt('prefetch', values.prefetch, 1000),
  };
}

function positiveInt(name: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  return n;
}
