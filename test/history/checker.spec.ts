import { checkHistory, LEASE_SLACK_MS, TTL_SLACK_MS, ViolationKind } from './checker.js';
import { HistoryBuilder } from './history-builder.js';
import { formatReport } from './report.js';

/** The kinds of violation found in the history `h` describes. */
function kinds(h: HistoryBuilder): ViolationKind[] {
  return checkHistory(h.build()).violations.map((v) => v.kind);
}

describe('checkHistory', () => {
  let h: HistoryBuilder;

  beforeEach(() => {
    h = new HistoryBuilder();
  });

  describe('a history that keeps the contract', () => {
    it('finds nothing in publish, deliver, ack', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1']);
      expect(kinds(h)).toEqual([]);
    });

    it('accepts redeliveries whose attempt grows, across a SIGKILL, and counts them apart from duplicates', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).fault('SIGKILL').deliver('m1', 'o1', 2, { socket: 'c1#2' }).ack(['m1'], { socket: 'c1#2' });
      const result = checkHistory(h.build());
      expect(result.violations).toEqual([]);
      expect(result).toMatchObject({ redeliveries: 1, duplicates: 0, sigkills: 1 });
    });

    it('accepts each dead-letter reason when it matches what happened', () => {
      h.spec('o3', { ttlMs: 500 });
      h.publish(['o1', 'o2', 'o3'], { ids: ['m1', 'm2', 'm3'] });
      for (let attempt = 1; attempt <= 4; attempt++) h.deliver('m1', 'o1', attempt).wait(1500);
      h.dead('m1', 'o1', 'max-attempts', 4);
      h.deliver('m2', 'o2', 1).nack('m2', false).dead('m2', 'o2', 'rejected', 1);
      h.wait(600).dead('m3', 'o3', 'expired', 0);
      expect(kinds(h)).toEqual([]);
    });

    it('allows a publish left unanswered by a SIGKILL to be stored, and a retried key to dedup', () => {
      h.spec('o1', { key: 'k1' });
      h.publish(['o1'], { outcome: 'none' }).fault('SIGKILL');
      h.publish(['o1'], { purpose: 'retry', ids: ['m1'], duplicate: true }).deliver('m1', 'o1', 1).ack(['m1']);
      expect(kinds(h)).toEqual([]);
    });

    it('counts a write that a SIGTERM left unanswered and unstored as allowed', () => {
      h.publish(['o1'], { outcome: 'none' }).fault('SIGTERM');
      const result = checkHistory(h.build());
      expect(result.violations).toEqual([]);
      expect(result.shutdown).toMatchObject({ unansweredStored: 0, unansweredNotStored: 1 });
    });

    it('accepts a late ack answered NOT_FOUND, and one answered ok after the same socket got the message again', () => {
      h.publish(['o1', 'o2'], { ids: ['m1', 'm2'] }).deliver('m1', 'o1', 1).deliver('m2', 'o2', 1);
      const late = { deliveredAt: h.now - 20, attempt: 1 };
      h.wait(2600).ack(['m1'], { outcome: 'fail', error: 'NOT_FOUND', late }).deliver('m1', 'o1', 2).ack(['m1']);
      h.deliver('m2', 'o2', 2).ack(['m2'], { late: { deliveredAt: late.deliveredAt + 10, attempt: 1 } });
      expect(kinds(h)).toEqual([]);
    });

    it('accepts a batch ack that acked some ids when no more than the rest come back', () => {
      h.publish(['o1', 'o2'], { ids: ['m1', 'm2'] }).deliver('m1', 'o1', 1).deliver('m2', 'o2', 1);
      h.ack(['m1', 'm2'], { acked: 1 }).deliver('m2', 'o2', 2).ack(['m2']);
      expect(kinds(h)).toEqual([]);
    });
  });

  describe('check 1: every confirmed publish is acked or dead-lettered for the right reason', () => {
    it('reports a confirmed publish that was never acked', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1);
      expect(kinds(h)).toEqual(['lost']);
    });

    it('reports a confirmed publish whose late ack was refused and that never came back', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).wait(3000);
      h.ack(['m1'], { outcome: 'fail', error: 'NOT_FOUND', late: { deliveredAt: h.now - 3000, attempt: 1 } });
      expect(kinds(h)).toEqual(['lost']);
    });

    it('reports max-attempts before MAX_ATTEMPTS deliveries', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).dead('m1', 'o1', 'max-attempts', 2);
      expect(kinds(h)).toEqual(['dead-letter-reason']);
    });

    it('reports rejected without a nack requeue:false', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).nack('m1', true).dead('m1', 'o1', 'rejected', 1);
      expect(kinds(h)).toEqual(['dead-letter-reason']);
    });

    it('reports expired for a message without ttl, and expired before its ttl passed', () => {
      h.spec('o2', { ttlMs: 60_000 });
      h.publish(['o1', 'o2'], { ids: ['m1', 'm2'] }).dead('m1', 'o1', 'expired', 0).dead('m2', 'o2', 'expired', 0);
      expect(kinds(h)).toEqual(['dead-letter-reason', 'dead-letter-reason']);
    });

    it('reports a dead letter that lists fewer attempts than were delivered', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).wait(1500).deliver('m1', 'o1', 2).nack('m1', false).dead('m1', 'o1', 'rejected', 1);
      expect(kinds(h)).toEqual(['dead-letter-reason']);
    });

    it('reports a nack requeue:false answered ok that did not dead-letter', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).nack('m1', false).deliver('m1', 'o1', 2).ack(['m1']);
      expect(kinds(h)).toEqual(['nack-ignored']);
    });
  });

  describe('check 2: nothing comes back after a confirmed ack', () => {
    it('reports a late ack answered with an error other than NOT_FOUND, unless its node was stopping', () => {
      h.publish(['o1', 'o2'], { ids: ['m1', 'm2'] }).deliver('m1', 'o1', 1).deliver('m2', 'o2', 1).wait(3000);
      h.ack(['m1'], { outcome: 'fail', error: 'INTERNAL', late: { deliveredAt: h.now - 3000, attempt: 1 } }).deliver('m1', 'o1', 2).ack(['m1']);
      h.ack(['m2'], { outcome: 'fail', error: 'UNAVAILABLE', late: { deliveredAt: h.now - 3000, attempt: 1 } });
      const history = h.fault('SIGTERM').deliver('m2', 'o2', 2, { socket: 'c1#2' }).ack(['m2'], { socket: 'c1#2' }).build();
      const [, unavailable] = history.events.filter((e) => e.type === 'ack' && e.late);
      const signal = history.events.find((e) => e.type === 'fault')!;
      signal.at = (unavailable as { answeredAt: number }).answeredAt - 1;
      expect(checkHistory(history).violations.map((v) => v.kind)).toEqual(['late-ack']);
    });

    it('reports a delivery after an ack answered ok', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1']).deliver('m1', 'o1', 2).ack(['m1']);
      expect(kinds(h)).toEqual(['after-ack']);
    });

    it('reports a dead letter of an acked message', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1']).dead('m1', 'o1', 'max-attempts', 4);
      expect(kinds(h)).toContain('after-ack');
    });

    it('reports more ids coming back after a batch ack than it left unacked', () => {
      h.publish(['o1', 'o2'], { ids: ['m1', 'm2'] }).deliver('m1', 'o1', 1).deliver('m2', 'o2', 1);
      h.ack(['m1', 'm2'], { acked: 1 }).deliver('m1', 'o1', 2).deliver('m2', 'o2', 2).ack(['m1', 'm2']);
      expect(kinds(h)).toEqual(['after-ack']);
    });

    it('reports a late ack answered ok with no new delivery in between', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).wait(3000);
      h.ack(['m1'], { late: { deliveredAt: h.now - 3000, attempt: 1 } });
      expect(kinds(h)).toEqual(['late-ack']);
    });
  });

  describe('check 3: attempt only grows', () => {
    it('reports an attempt that did not grow', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 2).wait(1500).deliver('m1', 'o1', 2, { socket: 'c2#1' }).ack(['m1'], { socket: 'c2#1' });
      expect(kinds(h)).toEqual(['attempt-order']);
    });

    it('reports a delivery past MAX_ATTEMPTS', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 5).ack(['m1']);
      expect(kinds(h)).toEqual(['attempt-order']);
    });
  });

  describe('one consumer at a time', () => {
    it('reports a delivery to another socket while the first still held it', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).wait(200).deliver('m1', 'o1', 2, { socket: 'c2#1' }).ack(['m1'], { socket: 'c2#1' });
      expect(kinds(h)).toEqual(['concurrent-delivery']);
    });

    it('accepts a redelivery after a nack, a disconnect, a crash or the lease', () => {
      h.publish(['o1', 'o2', 'o3', 'o4'], { ids: ['m1', 'm2', 'm3', 'm4'] });
      h.deliver('m1', 'o1', 1).nack('m1', true).deliver('m1', 'o1', 2, { socket: 'c2#1' }).ack(['m1'], { socket: 'c2#1' });
      h.deliver('m2', 'o2', 1, { socket: 'c3#1' }).socket('c3#1', 'disconnect').deliver('m2', 'o2', 2, { socket: 'c2#1' }).ack(['m2'], { socket: 'c2#1' });
      h.deliver('m3', 'o3', 1).fault('SIGKILL').deliver('m3', 'o3', 2, { socket: 'c2#2' }).ack(['m3'], { socket: 'c2#2' });
      h.deliver('m4', 'o4', 1, { socket: 'c2#2' }).wait(1500 - LEASE_SLACK_MS).deliver('m4', 'o4', 2, { socket: 'c2#2' }).ack(['m4'], { socket: 'c2#2' });
      expect(kinds(h)).toEqual([]);
    });
  });

  describe('check 4: payloads intact', () => {
    it('reports a payload whose checksum fails', () => {
      const payload = { ...(h.payloadOf(h.spec('o1')) as object), data: 'changed' };
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1, { payload }).ack(['m1']);
      expect(kinds(h)).toEqual(['payload']);
    });

    it('reports lost headers and a delivery from the wrong queue', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1, { headers: {}, channel: 'other' }).ack(['m1']);
      expect(kinds(h)).toEqual(['payload', 'payload']);
    });

    it('reports a delivery of something never published', () => {
      h.spec('ghost');
      h.deliver('m9', 'ghost', 1).ack(['m9']);
      expect(kinds(h)).toEqual(['unknown-delivery']);
    });
  });

  describe('check 5: duplicates, apart from redeliveries', () => {
    it('reports one publish stored under two ids', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1']).deliver('m2', 'o1', 1).ack(['m2']);
      const result = checkHistory(h.build());
      expect(result.violations.map((v) => v.kind)).toEqual(['duplicate']);
      expect(result).toMatchObject({ duplicates: 1, redeliveries: 0 });
    });

    it('reports a confirmed key that answers a new id', () => {
      h.spec('o1', { key: 'k1' });
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1']);
      h.publish(['o1'], { purpose: 'republish', ids: ['m2'] }).deliver('m2', 'o1', 1).ack(['m2']);
      expect(kinds(h).sort()).toEqual(['dedup', 'duplicate']);
    });

    it('reports a confirmed key answered with the same id but without duplicate', () => {
      h.spec('o1', { key: 'k1' });
      h.publish(['o1'], { ids: ['m1'] }).publish(['o1'], { purpose: 'republish', ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1']);
      expect(kinds(h)).toEqual(['dedup']);
    });

    it('reports duplicate on a first publish', () => {
      h.spec('o1', { key: 'k1' });
      h.publish(['o1'], { ids: ['m1'], duplicate: true }).deliver('m1', 'o1', 1).ack(['m1']);
      expect(kinds(h)).toEqual(['dedup']);
    });

    it('reports one id carrying two ops', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1']).publish(['o2'], { ids: ['m1'] });
      expect(kinds(h)).toContain('id-reuse');
    });
  });

  describe('check 6: writes around SIGTERM are answered before the socket closes', () => {
    it('reports a publish unanswered by a SIGTERM that was stored anyway', () => {
      h.publish(['o1'], { outcome: 'none' }).fault('SIGTERM').deliver('m1', 'o1', 1, { socket: 'c1#2' }).ack(['m1'], { socket: 'c1#2' });
      const result = checkHistory(h.build());
      expect(result.violations.map((v) => v.kind)).toEqual(['shutdown-unanswered']);
      expect(result.shutdown).toMatchObject({ unansweredStored: 1, unansweredNotStored: 0 });
    });

    it('reports a retried key that finds the publish unanswered by a SIGTERM stored', () => {
      h.spec('o1', { key: 'k1' });
      h.publish(['o1'], { outcome: 'none' }).fault('SIGTERM');
      h.publish(['o1'], { purpose: 'retry', ids: ['m1'], duplicate: true }).deliver('m1', 'o1', 1).ack(['m1']);
      expect(kinds(h)).toEqual(['shutdown-unanswered']);
    });

    it('reports an ack unanswered by a SIGTERM that took effect', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1'], { outcome: 'none' }).fault('SIGTERM');
      expect(kinds(h)).toEqual(['shutdown-unanswered']);
    });

    it('counts an ack unanswered by a SIGTERM that did not take effect as allowed', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1'], { outcome: 'none' }).fault('SIGTERM');
      h.deliver('m1', 'o1', 2, { socket: 'c1#2' }).ack(['m1'], { socket: 'c1#2' });
      const result = checkHistory(h.build());
      expect(result.violations).toEqual([]);
      expect(result.shutdown).toMatchObject({ unansweredStored: 0, unansweredNotStored: 1 });
    });

    it('reports a nack requeue:false unanswered by a SIGTERM that dead-lettered', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).nack('m1', false, { outcome: 'none' }).fault('SIGTERM').dead('m1', 'o1', 'rejected', 1);
      expect(kinds(h)).toEqual(['shutdown-unanswered']);
    });

    it('counts a nack requeue:false unanswered by a SIGTERM as allowed when the message came back', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).nack('m1', false, { outcome: 'none' }).fault('SIGTERM');
      h.deliver('m1', 'o1', 2, { socket: 'c1#2' }).nack('m1', false, { socket: 'c1#2' }).dead('m1', 'o1', 'rejected', 2);
      const result = checkHistory(h.build());
      expect(result.violations).toEqual([]);
      expect(result.shutdown).toMatchObject({ unansweredStored: 0, unansweredNotStored: 1 });
    });

    it('allows the same unanswered ack after a SIGKILL', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1'], { outcome: 'none' }).fault('SIGKILL');
      expect(kinds(h)).toEqual([]);
    });

    it('reports a SIGTERM that did not exit 0 within 10 s', () => {
      h.fault('SIGTERM', { exitCode: 1 }).fault('SIGTERM', { tookMs: 10_500 });
      expect(kinds(h)).toEqual(['graceful-exit', 'graceful-exit']);
    });
  });

  describe('other rules', () => {
    it('reports a publish answered with an error that was stored', () => {
      h.publish(['o1'], { outcome: 'fail', error: 'INTERNAL' }).deliver('m1', 'o1', 1).ack(['m1']);
      expect(kinds(h)).toEqual(['error-stored']);
    });

    it('reports an ack answered with an error that took effect', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1'], { outcome: 'fail', error: 'UNAVAILABLE' });
      expect(kinds(h)).toEqual(['error-stored']);
    });

    it('counts writes answered with an error while a node stops, and those sent before the signal', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1);
      h.ack(['m1'], { outcome: 'fail', error: 'UNAVAILABLE' }).fault('SIGTERM').deliver('m1', 'o1', 2, { socket: 'c1#2' }).ack(['m1'], { socket: 'c1#2' });
      const history = h.build();
      const ack = history.events.find((e) => e.type === 'ack')!;
      (ack as { answeredAt: number }).answeredAt = history.events.find((e) => e.type === 'fault')!.at + 5;
      const result = checkHistory(history);
      expect(result.violations).toEqual([]);
      expect(result.shutdown).toMatchObject({ answeredWithError: 1, errorSentBeforeSignal: 1 });
    });

    it('reports a delivery after the ttl ran out', () => {
      h.spec('o1', { ttlMs: 1000 });
      h.publish(['o1'], { ids: ['m1'] }).wait(1000 + TTL_SLACK_MS + 100).deliver('m1', 'o1', 1).ack(['m1']);
      expect(kinds(h)).toEqual(['expired-delivered']);
    });

    it('widens the ttl slack by the longest stall of the driver', () => {
      h.spec('o1', { ttlMs: 1000 });
      h.publish(['o1'], { ids: ['m1'] }).wait(1000 + TTL_SLACK_MS + 100).deliver('m1', 'o1', 1).ack(['m1']);
      const history = h.build();
      history.config.driverLagMs = 200;
      expect(checkHistory(history).violations).toEqual([]);
    });

    it('reports a delivery before its delay', () => {
      h.spec('o1', { delayMs: 2000 });
      h.publish(['o1'], { ids: ['m1'] }).wait(500).deliver('m1', 'o1', 1).ack(['m1']);
      expect(kinds(h)).toEqual(['early-delivery']);
    });

    it('reports an operation a running node never answered', () => {
      h.publish(['o1'], { outcome: 'none', noAnswer: 'timeout' });
      expect(kinds(h)).toEqual(['no-answer']);
    });

    it('reports a drain that did not finish', () => {
      h.notDrained('q: ready 3');
      expect(kinds(h)).toEqual(['not-drained']);
    });
  });

  describe('room copies', () => {
    beforeEach(() => {
      h.spec('r1', { channel: 'room', members: ['a', 'b'] });
    });

    it('accepts a room publish whose every copy is acked or dead-lettered', () => {
      h.publish(['r1'], { ids: ['m1'], recipients: 2 }).deliver('m1@a', 'r1', 1, { socket: 'a#1' }).ack(['m1@a'], { socket: 'a#1' });
      h.deliver('m1@b', 'r1', 1, { socket: 'b#1' }).nack('m1@b', false, { socket: 'b#1' }).dead('m1@b', 'r1', 'rejected', 1);
      expect(kinds(h)).toEqual([]);
    });

    it('reports the copy of one member that was never acked', () => {
      h.publish(['r1'], { ids: ['m1'], recipients: 2 }).deliver('m1@a', 'r1', 1, { socket: 'a#1' }).ack(['m1@a'], { socket: 'a#1' });
      const result = checkHistory(h.build());
      expect(result.violations).toEqual([expect.objectContaining({ kind: 'lost', ids: ['m1@b'] })]);
    });

    it('tells a copy per member apart from a duplicate', () => {
      h.publish(['r1'], { ids: ['m1'], recipients: 2 }).deliver('m1@a', 'r1', 1).ack(['m1@a']).deliver('m1@b', 'r1', 1).ack(['m1@b']);
      expect(checkHistory(h.build())).toMatchObject({ duplicates: 0, violations: [] });
    });

    it('reports recipients that are not the durable members, and a duplicate that reached someone', () => {
      h.spec('r2', { channel: 'room', members: ['a', 'b'], key: 'k2' });
      h.publish(['r1'], { ids: ['m1'], recipients: 1 }).deliver('m1@a', 'r1', 1).ack(['m1@a']).deliver('m1@b', 'r1', 1).ack(['m1@b']);
      h.publish(['r2'], { ids: ['m2'], recipients: 2 }).deliver('m2@a', 'r2', 1).ack(['m2@a']).deliver('m2@b', 'r2', 1).ack(['m2@b']);
      h.publish(['r2'], { purpose: 'republish', ids: ['m2'], duplicate: true, recipients: 2 });
      expect(kinds(h)).toEqual(['recipients', 'recipients']);
    });

    it('reports a copy for a client that is not a member', () => {
      h.publish(['r1'], { ids: ['m1'], recipients: 2 }).deliver('m1@a', 'r1', 1).ack(['m1@a']).deliver('m1@b', 'r1', 1).ack(['m1@b']);
      h.deliver('m1@z', 'r1', 1).ack(['m1@z']);
      expect(kinds(h)).toEqual(['payload']);
    });
  });

  describe(formatReport.name, () => {
    it('prints the counts, the seed and each violating message with its history', () => {
      h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1']).deliver('m1', 'o1', 2).ack(['m1']);
      const history = h.build();
      const text = formatReport(history, checkHistory(history));
      expect(text).toContain('seed=1');
      expect(text).toContain('violations: 1 (after-ack: 1)');
      expect(text).toMatch(/violation 1\/1 \[after-ack\][^\n]*\n(\s+\+[^\n]*\n){3}\s+\+[^\n]*got m1 attempt 2/);
    });
  });
});
