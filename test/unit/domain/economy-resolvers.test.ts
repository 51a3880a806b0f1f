/**
 * The economy's APPSYNC_JS resolvers against a stand-in for AppSync's `util`/`runtime` (the npm
 * package ships types only): the gift transaction's shape and conditions, how its cancellation
 * reasons become typed errors or a retry, admin checks and input refusals.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it, vi } from 'vitest';

const NOW = Date.parse('2026-12-02T18:00:00.000Z');
vi.mock('@aws-appsync/utils', () => {
  class AppSyncError extends Error {
    constructor(
      message: string,
      readonly type?: string,
      readonly data?: unknown,
      readonly info?: unknown,
    ) {
      super(message);
    }
  }
  class EarlyReturn extends Error {
    constructor(readonly value: unknown) {
      super('earlyReturn');
    }
  }
  let n = 0;
  return {
    util: {
      dynamodb: { toMapValues: (v: Record<string, unknown>) => marshall(v, { removeUndefinedValues: true }) },
      time: {
        nowISO8601: () => new Date(NOW).toISOString(),
        nowEpochMilliSeconds: () => NOW,
        epochMilliSecondsToISO8601: (ms: number) => new Date(ms).toISOString(),
      },
      autoId: () => `${(n++ % 16).toString(16)}0000000-0000-4000-8000-000000000000`,
      error: (message: string, type?: string, data?: unknown, info?: unknown) => {
        throw new AppSyncError(message, type, data, info);
      },
      unauthorized: () => {
        throw new AppSyncError('Unauthorized', 'Unauthorized');
      },
    },
    runtime: {
      earlyReturn: (value: unknown) => {
        throw new EarlyReturn(value);
      },
    },
  };
});

const { DEFAULT_ECONOMY_SETTINGS, DEFAULT_GIFT_CATALOG, economyEnvironment } =
  await import('../../../lambdas/shared/domain/economy');
const sendGift = await import('../../../lib/api/resolvers/Mutation.sendGift');
const giftLoad = await import('../../../lib/api/resolvers/functions/giftLoad');
const giftWrite = await import('../../../lib/api/resolvers/functions/giftWrite');
const decide = await import('../../../lib/api/resolvers/Mutation.decidePayout');
const queue = await import('../../../lib/api/resolvers/Query.payoutQueue');
const { giftTransactItems } = await import('../../../lib/api/resolvers/lib/gift-write');

const env = { TABLE_NAME: 'Main', ...economyEnvironment({ ...DEFAULT_ECONOMY_SETTINGS, gifts: DEFAULT_GIFT_CATALOG }) };
const user = (sub: string, groups: string[] | null = null) => ({ sub, username: sub, claims: { handle: sub }, groups });
const ctx = (
  args: Record<string, unknown>,
  identity: unknown = user('vera'),
  extra: Record<string, unknown> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): any => ({ args, arguments: args, identity, env, stash: {}, ...extra });

/** The plan giftLoad leaves for a 3-rose gift from vera to bea's live stream. */
function planned(): Record<string, unknown> {
  const c = ctx({ input: { channelId: 'bea', giftId: 'rose', count: 3, clientGiftId: 'c-1' } });
  sendGift.request(c);
  giftLoad.response({
    ...c,
    result: {
      data: {
        Main: [
          null,
          { status: 'LIVE', currentStreamId: 's1', handle: 'bea' },
          { tier: 'PREMIUM' },
          null,
          { coins: 100, debt: 0 },
        ],
      },
      unprocessedKeys: {},
    },
  });
  return c.stash;
}

describe('sendGift', () => {
  it('refuses bad input before any read', () => {
    expect(() =>
      sendGift.request(ctx({ input: { channelId: 'bea', giftId: 'nope', count: 1, clientGiftId: 'c' } })),
    ).toThrow(expect.objectContaining({ type: 'VALIDATION', info: { field: 'giftId' } }));
    expect(() =>
      sendGift.request(ctx({ input: { channelId: 'bea', giftId: 'rose', count: 1, clientGiftId: 'x'.repeat(65) } })),
    ).toThrow(expect.objectContaining({ info: { field: 'clientGiftId' } }));
    expect(() =>
      sendGift.request(ctx({ input: { channelId: 'bea', giftId: 'rose', count: 1, clientGiftId: 'c' } }, null)),
    ).toThrow(expect.objectContaining({ type: 'UNAUTHORIZED' }));
  });

  it("plans the split at the broadcaster's tier: 15 cents at 90 % is 13 + 2", () => {
    const plan = planned().plan as { split: unknown; event: { streamId: string; coins: number; id: string } };
    expect(plan.split).toEqual({ valueMinor: 15, broadcasterMinor: 13, platformMinor: 2 });
    expect(plan.event).toMatchObject({ streamId: 's1', coins: 15, sentAt: '2026-12-02T18:00:00.000Z' });
  });

  it('writes one transaction: answer record, wallet with its condition, two ledger entries, four counters on random shards', () => {
    const stash = planned();
    const req = giftWrite.request(ctx({}, user('vera'), { stash })) as unknown as {
      transactItems: Record<string, { S?: string }>[] & Record<string, unknown>[];
    };
    const items = req.transactItems as unknown as {
      operation: string;
      key: { PK: { S: string }; SK: { S: string } };
      condition?: { expression: string };
    }[];
    expect(
      items.map(
        (i) => `${i.operation} ${i.key.PK.S} ${i.key.SK.S.replace(/#\d{2}$/, '#nn').replace(/LEDGER#.*/, 'LEDGER#…')}`,
      ),
    ).toEqual([
      'PutItem USER#vera GIFTREQ#c-1',
      'UpdateItem USER#vera WALLET',
      'PutItem USER#vera LEDGER#…',
      'PutItem USER#bea LEDGER#…',
      'UpdateItem USER#bea EARNINGS#nn',
      'UpdateItem STREAM#s1 GIFTREV#nn',
      'UpdateItem STREAM#s1 GIFTER#vera',
      'UpdateItem PLATFORM#REVENUE SHARD#nn',
    ]);
    expect(items[1]?.condition?.expression).toBe('coins >= :cost AND (attribute_not_exists(debt) OR debt <= :zero)');
    expect(items[0]?.condition?.expression).toBe('attribute_not_exists(PK)');
  });

  it('turns cancellation reasons into typed errors, an answer, or one more attempt', () => {
    const cancelled = (reasons: { type: string; item?: unknown }[]) => ({
      message: 'cancelled',
      type: 'DynamoDB:TransactionCanceledException',
      reasons,
    });
    const respond = (stash: Record<string, unknown>, reasons: { type: string; item?: unknown }[]) =>
      giftWrite.response(
        ctx({}, user('vera'), { stash, error: cancelled(reasons), result: { cancellationReasons: reasons } }),
      );
    const none = { type: 'None' };

    const poor = planned();
    expect(() => respond(poor, [none, { type: 'ConditionalCheckFailed', item: { coins: 4, debt: 0 } }])).toThrow(
      expect.objectContaining({ type: 'INSUFFICIENT_COINS', info: { cost: 15, coins: 4 } }),
    );
    expect(() => respond(planned(), [none, { type: 'ConditionalCheckFailed', item: { coins: 400, debt: 2 } }])).toThrow(
      expect.objectContaining({ type: 'COINS_IN_DEBT' }),
    );

    const dup = planned();
    respond(dup, [{ type: 'ConditionalCheckFailed' }, none]);
    expect(dup.answered).toBe(true);

    const busy = planned();
    respond(busy, [none, none, none, none, { type: 'TransactionConflict' }]);
    expect(busy.conflict).toBe(true);
    expect(() => respond(busy, [none, { type: 'TransactionConflict' }])).toThrow(
      expect.objectContaining({ type: 'CONFLICT', info: { retryable: true } }),
    );
  });

  it('plain transaction items carry the event for the fan-out and the split for the conservation check', () => {
    const plan = planned().plan as Parameters<typeof giftTransactItems>[0];
    const items = giftTransactItems(plan, { earnings: '01', streamRevenue: '02', platformRevenue: '03' });
    expect(items[2]?.attributeValues).toMatchObject({ kind: 'GIFT_SENT', coins: -15, gift: plan.event });
    expect(items[3]?.attributeValues).toMatchObject({
      kind: 'GIFT_RECEIVED',
      coins: 15,
      amount: 13,
      valueAmount: 15,
      sharePercent: 90,
    });
    expect(items[7]?.update?.expressionValues).toMatchObject({ ':platform': 2, ':coins': 15 });
  });
});

describe('admin fields', () => {
  it('refuse users outside the admins group', () => {
    const args = { payoutId: 'pay_1', decision: 'PAID' };
    expect(() => decide.request(ctx(args, user('bea')))).toThrow(expect.objectContaining({ type: 'FORBIDDEN' }));
    expect(() => decide.request(ctx(args, user('bea', ['streamers'])))).toThrow(
      expect.objectContaining({ type: 'FORBIDDEN' }),
    );
    expect(() => queue.request(ctx({}, user('bea')))).toThrow(expect.objectContaining({ type: 'FORBIDDEN' }));
    expect(queue.request(ctx({}, user('ada', ['admins'])))).toMatchObject({ index: 'GSI2', scanIndexForward: true });
    expect(() =>
      decide.request(ctx({ payoutId: 'pay_1', decision: 'REJECTED', reason: '  ' }, user('ada', ['admins']))),
    ).toThrow(expect.objectContaining({ type: 'VALIDATION', info: { field: 'reason' } }));
  });
});
