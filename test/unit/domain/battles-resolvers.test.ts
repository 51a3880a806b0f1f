/**
 * The gift pipeline in a PK battle (docs/battles.md): a gift to a channel whose profile names a
 * running battle adds to one of its side's score counters inside the gift's own transaction, on
 * the condition that the battle still counts it; a refusal by the battle sends it again as a plain gift.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it, vi } from 'vitest';

const NOW = Date.parse('2026-12-03T01:04:59.999Z');
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
const { battlesEnvironment } = await import('../../../lambdas/shared/domain/battles');
const sendGift = await import('../../../lib/api/resolvers/Mutation.sendGift');
const giftLoad = await import('../../../lib/api/resolvers/functions/giftLoad');
const giftWrite = await import('../../../lib/api/resolvers/functions/giftWrite');

const env = {
  TABLE_NAME: 'Main',
  ...economyEnvironment({ ...DEFAULT_ECONOMY_SETTINGS, gifts: DEFAULT_GIFT_CATALOG }),
  ...battlesEnvironment({ bonusPercent: 10, scoreShards: 4, settleMs: 1500, reconnectGraceSeconds: 30 }),
};
const user = (sub: string) => ({ sub, username: sub, claims: { handle: sub }, groups: null });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ctx = (args: Record<string, unknown>, extra: Record<string, unknown> = {}): any => ({
  args,
  arguments: args,
  identity: user('vera'),
  env,
  stash: {},
  ...extra,
});

/** vera sends 3 roses to bea, whose profile says `battleId` (or no battle). */
function planned(battleId?: string): Record<string, unknown> {
  const c = ctx({ input: { channelId: 'bea', giftId: 'rose', count: 3, clientGiftId: 'c-1' } });
  sendGift.request(c);
  giftLoad.response({
    ...c,
    result: {
      data: {
        Main: [
          null,
          { status: 'LIVE', currentStreamId: 's1', handle: 'bea', ...(battleId ? { battleId } : {}) },
          null,
          null,
          { coins: 100, debt: 0 },
        ],
      },
      unprocessedKeys: {},
    },
  });
  return c.stash;
}

type Marshalled = {
  operation: string;
  key: { PK: { S: string }; SK: { S: string } };
  attributeValues?: Record<string, unknown>;
  condition?: { expression: string; expressionValues?: unknown };
};
const write = (stash: Record<string, unknown>) =>
  (giftWrite.request(ctx({}, { stash })) as unknown as { transactItems: Marshalled[] }).transactItems;

describe('a gift during a battle', () => {
  it("adds to one of the side's score counters in its own transaction, stamped with the server time it was accepted", () => {
    const items = write(planned('btl_1'));
    expect(items).toHaveLength(9);
    const score = items[8] as Marshalled;
    expect(score.operation).toBe('UpdateItem');
    expect(score.key.PK.S).toBe('BATTLE#btl_1');
    expect(score.key.SK.S).toMatch(/^SCORE#bea#0[0-3]$/);
    expect(score.condition).toEqual({
      expression: 'attribute_exists(PK) AND endsAtMs > :acceptedAt AND attribute_not_exists(closedAt)',
      expressionValues: { ':acceptedAt': { N: String(NOW) } },
    });
    // The event the fan-out publishes and the receipt answers say which battle it counted for.
    expect(JSON.stringify(items[0]?.attributeValues)).toContain('"battleId":{"S":"btl_1"}');
    expect(JSON.stringify(items[2]?.attributeValues)).toContain('"battleId":{"S":"btl_1"}');
  });

  it('is a plain eight-item gift when the channel is in no battle', () => {
    const items = write(planned());
    expect(items).toHaveLength(8);
    expect(JSON.stringify(items)).not.toContain('battleId');
  });

  it('goes again without the battle when the battle refuses it (ended, or scores frozen)', () => {
    const stash = planned('btl_1');
    const reasons = [...Array(8).fill({ type: 'None' }), { type: 'ConditionalCheckFailed' }];
    giftWrite.response(
      ctx(
        {},
        {
          stash,
          error: { message: 'cancelled', type: 'DynamoDB:TransactionCanceledException' },
          result: { cancellationReasons: reasons },
        },
      ),
    );
    expect(stash.battleRefused).toBe(true);
    expect(stash.written).toBeUndefined();
    const retry = write(stash);
    expect(retry).toHaveLength(8);
    expect(JSON.stringify(retry)).not.toContain('battleId');
  });
});
