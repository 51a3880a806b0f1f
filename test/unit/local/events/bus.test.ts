/** The local event bus's targets: retried, then dead-lettered like a target with a DLQ; the other targets unaffected. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadLetterSink, type DeadLetter } from '../../../../local/dead-letters/index';
import { startLocalEvents } from '../../../../local/events/bus';

describe('local event bus dead letters', () => {
  it('an event whose target keeps failing lands in <dir>/<function>/ after its retries; the other matching target gets it once', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'dead-letters-'));
    const calls: string[] = [];
    const written: string[] = [];
    const bus = await startLocalEvents({
      scheduleEveryMs: 0,
      deadLetters: deadLetterSink(dir, (_letter, path) => written.push(path)),
      invoke: async (name) => {
        calls.push(name);
        if (name === 'stream-state') throw new Error('stream-state is down');
      },
    });
    try {
      // Act
      await bus.put({
        source: 'aws.ivs',
        'detail-type': 'IVS Stream State Change',
        detail: { event_name: 'Stream Start', channel_name: 'c1' },
      });
      await bus.settled();
      // Assess
      expect(calls.filter((n) => n === 'stream-state')).toHaveLength(3);
      expect(calls.filter((n) => n === 'go-live-fanout')).toHaveLength(1);
      expect(readdirSync(dir)).toEqual(['stream-state']);
      expect(written).toHaveLength(1);
      const letter = JSON.parse(readFileSync(written[0] as string, 'utf8')) as DeadLetter & {
        payload: Record<string, unknown>;
      };
      expect(letter).toMatchObject({
        consumer: 'stream-state',
        source: 'eventbridge',
        attempts: 3,
        error: 'stream-state is down',
      });
      expect(letter.payload).toMatchObject({
        source: 'aws.ivs',
        'detail-type': 'IVS Stream State Change',
        detail: { event_name: 'Stream Start' },
      });
      expect(letter.id).toBe(letter.payload.id);
    } finally {
      await bus.stop();
    }
  });
});
