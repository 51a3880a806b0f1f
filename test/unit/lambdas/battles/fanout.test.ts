/**
 * The battles function's table-stream side (lambdas/battles/fanout.ts): a battle or score change is
 * published to both sides' channels once per battle per batch, a profile still naming its battle
 * whose stream went down (or came back) tells the battle so, timed by the stream event, and a
 * failure fails that battle's records only.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { handleBattleRecords, PUBLISH_BATTLE, workOf } from '../../../../lambdas/battles/fanout';
import type { Battles } from '../../../../lambdas/battles/service';
import type { BattleView } from '../../../../lambdas/battles/store';
import { matchesPattern } from '../../../../local/events/patterns';
import { BATTLE_CHANGED } from '../../../../lib/functions/catalog';
import { withLambdaImages } from '../../../../local/streams/poller';

let seq = 0;
const record = (image: Record<string, unknown>, old?: Record<string, unknown>): DynamoDBRecord => ({
  eventID: `e${++seq}`,
  eventName: 'MODIFY',
  eventSource: 'aws:dynamodb',
  dynamodb: withLambdaImages({
    SequenceNumber: String(seq),
    Keys: marshall({ PK: image.PK, SK: image.SK }) as never,
    NewImage: marshall(image, { removeUndefinedValues: true }) as never,
    ...(old ? { OldImage: marshall(old, { removeUndefinedValues: true }) as never } : {}),
  }),
});
const battle = (id: string) =>
  record({ PK: `BATTLE#${id}`, SK: 'BATTLE', type: 'Battle', battleId: id, status: 'RUNNING' });
const score = (id: string, c: string) =>
  record({ PK: `BATTLE#${id}`, SK: `SCORE#${c}#01`, type: 'BattleScore', battleId: id, channelId: c, coins: 5 });
const DROP = '2026-12-03T06:00:00.000Z';
const BACK = '2026-12-03T06:00:12.000Z';
/** A profile write: `status` now, `was` before (the stream-state function's times on the image). */
const profile = (user: string, status: string, battleId?: string, was: string = status) => {
  const p = { PK: `USER#${user}`, SK: 'PROFILE', type: 'Profile', userId: user, ...(battleId ? { battleId } : {}) };
  const times = status === 'LIVE' ? { liveSince: BACK, lastEventAt: BACK } : { lastEventAt: DROP };
  return record({ ...p, status, ...times }, { ...p, status: was });
};

const view = (id: string): BattleView => ({
  battleId: id,
  status: 'RUNNING',
  inviter: {
    channelId: 'ann',
    handle: 'ann',
    score: 5,
    displayName: null,
    avatarUrl: null,
    playbackUrl: null,
    reconnectBy: null,
  },
  invitee: {
    channelId: 'bob',
    handle: 'bob',
    score: 0,
    displayName: null,
    avatarUrl: null,
    playbackUrl: null,
    reconnectBy: null,
  },
  durationSeconds: 60,
  invitedAt: 't0',
  expiresAt: 't1',
  startsAt: 't1',
  endsAt: 't2',
  endedAt: null,
  result: null,
  channelId: null,
  updatedAt: 't1',
});

function fakeBattles(fail?: string): {
  battles: Battles;
  finish: ReturnType<typeof vi.fn>;
  reads: ReturnType<typeof vi.fn>;
  calls: string[];
} {
  const calls: string[] = [];
  const finish = vi.fn(async (id: string) => view(id));
  const reads = vi.fn(async (id: string) => {
    if (id === fail) throw new Error('DynamoDB said no');
    return view(id);
  });
  const dropped = vi.fn(async (id: string, c: string, at: number) => {
    calls.push(`dropped ${id} ${c} ${new Date(at).toISOString()}`);
  });
  const back = vi.fn(async (id: string, c: string, at: number) => {
    calls.push(`back ${id} ${c} ${new Date(at).toISOString()}`);
  });
  return { battles: { finish, dropped, back, reads: { view: reads } } as unknown as Battles, finish, reads, calls };
}

describe('the battles stream filter and records', () => {
  it('lets through battles, score counters and profiles in a battle only', () => {
    const accepts = (r: DynamoDBRecord) => matchesPattern(BATTLE_CHANGED, r as unknown as Record<string, unknown>);
    expect(accepts(battle('b1'))).toBe(true);
    expect(accepts(score('b1', 'ann'))).toBe(true);
    expect(accepts(profile('ann', 'OFFLINE', 'b1'))).toBe(true);
    expect(accepts(profile('ann', 'LIVE'))).toBe(false);
    expect(
      accepts(record({ PK: 'USER#v', SK: 'LEDGER#x', type: 'LedgerEntry', kind: 'GIFT_RECEIVED', battleId: 'b1' })),
    ).toBe(false);
  });

  it('reads what each record asks', () => {
    expect(workOf(battle('b1'))).toEqual({ kind: 'publish', battleId: 'b1' });
    expect(workOf(score('b1', 'bob'))).toEqual({ kind: 'publish', battleId: 'b1' });
    expect(workOf(profile('ann', 'OFFLINE', 'b1', 'LIVE'))).toEqual({
      kind: 'dropped',
      battleId: 'b1',
      channelId: 'ann',
      atMs: Date.parse(DROP),
    });
    expect(workOf(profile('ann', 'LIVE', 'b1', 'OFFLINE'))).toEqual({
      kind: 'back',
      battleId: 'b1',
      channelId: 'ann',
      atMs: Date.parse(BACK),
    });
    // Viewer counts, likes and edits of a streamer in a battle change nothing of it.
    expect(workOf(profile('ann', 'LIVE', 'b1'))).toBeUndefined();
    expect(workOf(profile('ann', 'OFFLINE', 'b1'))).toBeUndefined();
  });

  it('times a drop by the processing clock when the image has no event time', () => {
    const r = record(
      { PK: 'USER#ann', SK: 'PROFILE', type: 'Profile', userId: 'ann', battleId: 'b1', status: 'OFFLINE' },
      { PK: 'USER#ann', SK: 'PROFILE', type: 'Profile', userId: 'ann', battleId: 'b1', status: 'LIVE' },
    );
    expect(workOf(r, 1234)).toMatchObject({ kind: 'dropped', atMs: 1234 });
  });
});

describe('handleBattleRecords', () => {
  it("publishes each battle of the batch once to each side's channel, whatever the number of its records", async () => {
    const { battles, reads } = fakeBattles();
    const send = vi.fn(async () => ({}));
    const out = await handleBattleRecords(
      battles,
      [battle('b1'), score('b1', 'ann'), score('b1', 'bob'), score('b2', 'ann')],
      { now: () => 0, send },
    );
    expect(out.batchItemFailures).toEqual([]);
    expect(reads).toHaveBeenCalledTimes(2);
    const calls = send.mock.calls as unknown as [string, { input: Record<string, unknown> }][];
    expect(calls.every(([m]) => m === PUBLISH_BATTLE)).toBe(true);
    expect(calls.map(([, v]) => `${String(v.input.battleId)}→${String(v.input.channelId)}`).sort()).toEqual([
      'b1→ann',
      'b1→bob',
      'b2→ann',
      'b2→bob',
    ]);
    expect(calls[0]?.[1].input).toMatchObject({ inviter: { score: 5 }, status: 'RUNNING' });
  });

  it("tells the battle a side's stream dropped and came back, in order, without publishing (the battle's own change does)", async () => {
    const { battles, finish, calls } = fakeBattles();
    const send = vi.fn(async () => ({}));
    await handleBattleRecords(
      battles,
      [profile('bob', 'OFFLINE', 'b1', 'LIVE'), profile('ann', 'LIVE', 'b1'), profile('bob', 'LIVE', 'b1', 'OFFLINE')],
      { now: () => 0, send },
    );
    expect(calls).toEqual([`dropped b1 bob ${DROP}`, `back b1 bob ${BACK}`]);
    expect(finish).not.toHaveBeenCalled();
    expect(send).not.toHaveBeenCalled();
  });

  it('fails only the records of a battle whose read or publish failed', async () => {
    const { battles } = fakeBattles('bad');
    const onError = vi.fn();
    const bad = [battle('bad'), score('bad', 'ann')];
    const out = await handleBattleRecords(battles, [battle('ok'), ...bad], {
      now: () => 0,
      send: vi.fn(async () => ({})),
      onError,
    });
    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      bad.map((r) => r.dynamodb?.SequenceNumber).sort(),
    );
    expect(onError).toHaveBeenCalledWith('bad', expect.any(Error));
  });
});
