import { describe, expect, it } from 'vitest';
import { parseChatLogRecord, sortableSendTime } from '../../../../lambdas/chat-history/log-record';
import { now } from '../../../../local/ivschat/rooms';

const record = (id: string, sendTime: string) =>
  JSON.stringify({
    event_timestamp: sendTime,
    type: 'MESSAGE',
    version: '1.0',
    payload: {
      Type: 'MESSAGE',
      Id: id,
      Content: `m ${id}`,
      SendTime: sendTime,
      Sender: { UserId: 'u1', Attributes: { handle: 'ann', channelId: 'c1' } },
    },
  });

describe('chat log records', () => {
  it('keeps the sub-millisecond order of SendTime for the history key, and milliseconds for sentAt', () => {
    const a = parseChatLogRecord(record('b', '2026-12-03T00:48:28.058123456Z'));
    const b = parseChatLogRecord(record('a', '2026-12-03T00:48:28.058900001Z'));
    if (a?.kind !== 'message' || b?.kind !== 'message') throw new Error('expected messages');
    expect(a.message.sentAt).toBe('2026-12-03T00:48:28.058Z');
    expect(b.message.sentAt).toBe('2026-12-03T00:48:28.058Z');
    // Same millisecond, ids in the opposite order: the sort key still puts the earlier send first.
    expect(a.sendTime < b.sendTime).toBe(true);
  });

  it('normalises every SendTime shape to one sortable width', () => {
    expect(sortableSendTime('2026-12-03T00:48:28Z')).toBe('2026-12-03T00:48:28.000000000Z');
    expect(sortableSendTime('2026-12-03T00:48:28.5Z')).toBe('2026-12-03T00:48:28.500000000Z');
    expect(sortableSendTime('2026-12-03T00:48:28.1234567891Z')).toBe('2026-12-03T00:48:28.123456789Z');
    expect(sortableSendTime('2026-12-03T01:48:28.250+01:00')).toBe('2026-12-03T00:48:28.250000000Z');
    expect(sortableSendTime('2026-12-03T00:48:28.5Z') > sortableSendTime('2026-12-03T00:48:28.25Z')).toBe(true);
  });
});

describe("the local chat's SendTime", () => {
  it('strictly increases within a burst, in the order the sort key reads', () => {
    const times = Array.from({ length: 2000 }, () => now());
    for (let i = 1; i < times.length; i++)
      expect(sortableSendTime(times[i]!) > sortableSendTime(times[i - 1]!)).toBe(true);
    expect(Math.abs(Date.parse(times.at(-1)!) - Date.now())).toBeLessThan(1000);
  });
});
