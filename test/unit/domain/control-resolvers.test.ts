/**
 * The control plane's APPSYNC_JS resolvers against a stand-in for AppSync's `util`/`runtime` (the npm
 * package ships types only): auth refusals, validation, keys and index choices.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it, vi } from 'vitest';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
vi.mock('@aws-appsync/utils', () => {
  class AppSyncError extends Error {
    constructor(
      message: string,
      readonly type?: string,
    ) {
      super(message);
    }
  }
  class EarlyReturn extends Error {
    constructor(readonly value: unknown) {
      super('earlyReturn');
    }
  }
  return {
    util: {
      dynamodb: { toMapValues: (v: Record<string, unknown>) => marshall(v, { removeUndefinedValues: true }) },
      time: {
        nowISO8601: () => new Date(NOW).toISOString(),
        nowEpochMilliSeconds: () => NOW,
        parseISO8601ToEpochMilliSeconds: (s: string) => Date.parse(s),
        epochMilliSecondsToISO8601: (n: number) => new Date(n).toISOString(),
        epochMilliSecondsToSeconds: (n: number) => Math.floor(n / 1000),
      },
      matches: (pattern: string, value: string) => new RegExp(`^(?:${pattern})$`).test(value),
      autoUlid: () => '01JG0000000000000000000000'.slice(0, 26),
      error: (message: string, type?: string) => {
        throw new AppSyncError(message, type);
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

const r = {
  health: await import('../../../lib/api/resolvers/Query.streamHealth'),
  live: await import('../../../lib/api/resolvers/Query.liveStreams'),
  following: await import('../../../lib/api/resolvers/Query.following'),
  schedule: await import('../../../lib/api/resolvers/Mutation.scheduleStream'),
  cancel: await import('../../../lib/api/resolvers/Mutation.cancelScheduledStream'),
  details: await import('../../../lib/api/resolvers/Mutation.updateStreamDetails'),
  isFollowing: await import('../../../lib/api/resolvers/Streamer.isFollowing'),
  onNotification: await import('../../../lib/api/resolvers/Subscription.onNotification'),
  onHealth: await import('../../../lib/api/resolvers/Subscription.onStreamHealth'),
  publishNotification: await import('../../../lib/api/resolvers/Mutation.publishNotification'),
  like: await import('../../../lib/api/resolvers/Mutation.likeStream'),
  likeWrite: await import('../../../lib/api/resolvers/functions/likeWrite'),
  likeTotal: await import('../../../lib/api/resolvers/functions/likeTotal'),
};

const ctx = (
  args: Record<string, unknown>,
  identity: unknown = { sub: 'u1', username: 'u1', claims: { handle: 'ann', preferred_username: 'spoofed' } },
  extra: Record<string, unknown> = {},
) => ({ args, arguments: args, identity, ...extra }) as never;

describe('auth in resolvers', () => {
  it("stream health and its subscription are the owner's only", () => {
    expect(() => r.health.request(ctx({ channelId: 'someone' }))).toThrow(
      expect.objectContaining({ type: 'NOT_OWNER' }),
    );
    expect(r.health.request(ctx({ channelId: 'u1', limit: 10 }))).toMatchObject({
      index: 'GSI1',
      scanIndexForward: false,
      limit: 10,
      query: { expressionValues: { ':pk': { S: 'USER#u1#HEALTH' } } },
    });
    expect(() => r.onHealth.request(ctx({ channelId: 'someone' }))).toThrow('Unauthorized');
    expect(r.onHealth.request(ctx({ channelId: 'u1' }))).toEqual({ payload: null });
  });

  it("onNotification refuses another user's id and guests", () => {
    expect(() => r.onNotification.request(ctx({ userId: 'u2' }))).toThrow('Unauthorized');
    expect(() => r.onNotification.request(ctx({ userId: 'u1' }, null))).toThrow('Unauthorized');
    expect(r.onNotification.request(ctx({ userId: 'u1' }))).toEqual({ payload: null });
  });

  it('isFollowing returns null for guests without a read, and reads the edge for users', () => {
    expect(() =>
      r.isFollowing.request(ctx({}, { cognitoIdentityAuthType: 'unauthenticated' }, { source: { userId: 's1' } })),
    ).toThrow(expect.objectContaining({ value: null }));
    expect(r.isFollowing.request(ctx({}, undefined, { source: { userId: 's1' } }))).toEqual({
      operation: 'GetItem',
      key: { PK: { S: 'USER#u1' }, SK: { S: 'FOLLOWS#s1' } },
    });
    expect(r.isFollowing.response(ctx({}, undefined, { result: { PK: 'x' } }))).toBe(true);
    expect(r.isFollowing.response(ctx({}, undefined, { result: null }))).toBe(false);
  });

  it('likes need a signed-in user', () => {
    expect(() => r.like.request(ctx({ channelId: 's1' }, { cognitoIdentityAuthType: 'unauthenticated' }))).toThrow(
      expect.objectContaining({ type: 'UNAUTHORIZED' }),
    );
    expect(r.likeWrite.request(ctx({ channelId: 's1' }))).toMatchObject({
      operation: 'UpdateItem',
      key: { PK: { S: 'USER#s1' }, SK: { S: 'PROFILE' } },
      update: { expression: 'ADD likes :one' },
      condition: { expression: '#status = :live' },
    });
    expect(r.likeWrite.response(ctx({ channelId: 's1' }, undefined, { result: { likes: 7 } }))).toEqual({ likes: 7 });
    expect(() =>
      r.likeWrite.response(
        ctx({ channelId: 's1' }, undefined, {
          error: { type: 'DynamoDB:ConditionalCheckFailedException', message: 'x' },
        }),
      ),
    ).toThrow(expect.objectContaining({ type: 'NOT_LIVE' }));
    expect(r.like.response(ctx({ channelId: 's1' }, undefined, { prev: { result: { likes: 7 } } }))).toEqual({
      channelId: 's1',
      likes: 7,
    });
  });

  it('a like with a clientLikeId is one transaction with its marker; a repeat counts nothing', () => {
    const env = { env: { TABLE_NAME: 'Main' } };
    expect(r.likeWrite.request(ctx({ channelId: 's1', clientLikeId: 'tap-0001' }, undefined, env))).toMatchObject({
      operation: 'TransactWriteItems',
      transactItems: [
        {
          table: 'Main',
          operation: 'PutItem',
          key: { PK: { S: 'LIKE#s1#u1#tap-0001' }, SK: { S: 'LIKE' } },
          condition: { expression: 'attribute_not_exists(PK)' },
        },
        {
          table: 'Main',
          operation: 'UpdateItem',
          key: { PK: { S: 'USER#s1' }, SK: { S: 'PROFILE' } },
          update: { expression: 'ADD likes :one' },
          condition: { expression: '#status = :live' },
        },
      ],
    });
    expect(() =>
      r.likeWrite.request(ctx({ channelId: 's1', clientLikeId: 'no spaces allowed' }, undefined, env)),
    ).toThrow(expect.objectContaining({ type: 'VALIDATION' }));
    const cancelled = (reasons: string[]) => ({
      error: { type: 'DynamoDB:TransactionCanceledException', message: 'x' },
      result: { cancellationReasons: reasons.map((type) => ({ type })) },
    });
    // Counted before: no error, nothing written, and likeTotal reads the total.
    expect(
      r.likeWrite.response(
        ctx({ channelId: 's1', clientLikeId: 'tap-0001' }, undefined, cancelled(['ConditionalCheckFailed', 'None'])),
      ),
    ).toBeNull();
    expect(() =>
      r.likeWrite.response(
        ctx({ channelId: 's1', clientLikeId: 'tap-0001' }, undefined, cancelled(['None', 'ConditionalCheckFailed'])),
      ),
    ).toThrow(expect.objectContaining({ type: 'NOT_LIVE' }));
    expect(() =>
      r.likeWrite.response(
        ctx({ channelId: 's1', clientLikeId: 'tap-0001' }, undefined, cancelled(['TransactionConflict', 'None'])),
      ),
    ).toThrow(expect.objectContaining({ type: 'CONFLICT' }));
    expect(
      r.likeWrite.response(ctx({ channelId: 's1', clientLikeId: 'tap-0001' }, undefined, { result: { keys: [] } })),
    ).toBeNull();
    expect(r.likeTotal.request(ctx({ channelId: 's1' }, undefined, { prev: { result: null } }))).toMatchObject({
      operation: 'GetItem',
      consistentRead: true,
    });
    expect(r.likeTotal.response(ctx({ channelId: 's1' }, undefined, { result: { status: 'LIVE', likes: 4 } }))).toEqual(
      { likes: 4 },
    );
    expect(() => r.likeTotal.response(ctx({ channelId: 's1' }, undefined, { result: { status: 'OFFLINE' } }))).toThrow(
      expect.objectContaining({ type: 'NOT_LIVE' }),
    );
  });
});

describe('lists', () => {
  it('live streams: GSI1 LIVE by default, GSI3 by category, tag filter lowercased, public streams only', () => {
    expect(r.live.request(ctx({}))).toMatchObject({
      index: 'GSI1',
      scanIndexForward: false,
      limit: 20,
      query: { expressionValues: { ':pk': { S: 'LIVE' } } },
    });
    const byCat = r.live.request(ctx({ category: 'Shoes', tag: 'Retro', limit: 999 }));
    expect(byCat).toMatchObject({
      index: 'GSI3',
      limit: 50,
      query: { expressionValues: { ':pk': { S: 'CATEGORY#Shoes' } } },
      filter: {
        expression: '(attribute_not_exists(audience) OR audience = :public) AND contains(tags, :tag)',
        expressionValues: { ':tag': { S: 'retro' } },
      },
    });
  });

  it('following maps stored edges to FollowEdge', () => {
    const out = r.following.response(
      ctx({}, undefined, {
        result: { items: [{ streamerId: 's1', streamerHandle: 'ann', followedAt: 't' }], nextToken: 'n' },
      }),
    );
    expect(out).toEqual({ items: [{ userId: 's1', handle: 'ann', since: 't' }], nextToken: 'n' });
  });

  it('publishNotification echoes an unread notification', () => {
    expect(
      r.publishNotification.request(
        ctx({ input: { notificationId: 'ntf_1', userId: 'u2', kind: 'GO_LIVE', title: 't', createdAt: 'c' } }),
      ),
    ).toEqual({
      payload: { read: false, notificationId: 'ntf_1', userId: 'u2', kind: 'GO_LIVE', title: 't', createdAt: 'c' },
    });
  });
});

describe('schedule and stream details', () => {
  it('schedules a future stream under its own key with the upcoming and per-streamer indexes', () => {
    const req = r.schedule.request(
      ctx({ input: { title: ' Drop ', startsAt: '2026-01-02T18:00:00Z', category: 'Shoes' } }),
    );
    expect(req.key).toEqual({ PK: { S: 'SCHEDULE#sch_00000000000000000000' }, SK: { S: 'SCHEDULE' } });
    expect(req.attributeValues).toMatchObject({
      title: { S: 'Drop' },
      handle: { S: 'ann' },
      userId: { S: 'u1' },
      cancelled: { BOOL: false },
      category: { S: 'Shoes' },
      GSI1PK: { S: 'SCHEDULED' },
      GSI1SK: { S: '2026-01-02T18:00:00.000Z' },
      GSI2PK: { S: 'USER#u1#SCHEDULE' },
    });
    expect(req.condition).toEqual({ expression: 'attribute_not_exists(PK)' });
  });

  it('refuses past, too-far and untitled schedules', () => {
    expect(() => r.schedule.request(ctx({ input: { title: 'x', startsAt: '2025-12-31T00:00:00Z' } }))).toThrow(
      'startsAt must be in the future',
    );
    expect(() => r.schedule.request(ctx({ input: { title: 'x', startsAt: '2026-12-31T00:00:00Z' } }))).toThrow(
      '180 days',
    );
    expect(() => r.schedule.request(ctx({ input: { title: '  ', startsAt: '2026-01-02T00:00:00Z' } }))).toThrow(
      expect.objectContaining({ type: 'VALIDATION' }),
    );
  });

  it('cancel is owner-only and leaves the upcoming index', () => {
    const req = r.cancel.request(ctx({ scheduleId: 'sch_1' }));
    expect(req).toMatchObject({
      key: { PK: { S: 'SCHEDULE#sch_1' }, SK: { S: 'SCHEDULE' } },
      update: { expression: 'SET cancelled = :yes, updatedAt = :now REMOVE GSI1PK, GSI1SK' },
      condition: { expression: 'userId = :me', expressionValues: { ':me': { S: 'u1' } } },
    });
    expect(() =>
      r.cancel.response(
        ctx({}, undefined, { error: { type: 'DynamoDB:ConditionalCheckFailedException', message: 'x' } }),
      ),
    ).toThrow(expect.objectContaining({ type: 'NOT_FOUND' }));
  });

  it('updates only given details, removes cleared ones, validates lengths and tags', () => {
    const req = r.details.request(
      ctx({ input: { title: 'New', goingLiveMessage: null, tags: ['Retro', 'retro', 'Nike'] } }),
    );
    expect(req.update.expression).toBe('SET updatedAt = :now, #title = :title, tags = :tags REMOVE #goingLiveMessage');
    expect(req.update.expressionValues).toMatchObject({
      ':title': { S: 'New' },
      ':tags': { L: [{ S: 'retro' }, { S: 'nike' }] },
    });
    expect(req.key).toEqual({ PK: { S: 'USER#u1' }, SK: { S: 'PROFILE' } });
    expect(() => r.details.request(ctx({ input: { title: 'x'.repeat(141) } }))).toThrow(
      expect.objectContaining({ type: 'VALIDATION' }),
    );
    expect(() => r.details.request(ctx({ input: { thumbnailUrl: 'javascript:alert(1)' } }))).toThrow(
      expect.objectContaining({ type: 'VALIDATION' }),
    );
    expect(() => r.details.request(ctx({ input: { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) } }))).toThrow(
      'At most 10 tags',
    );
  });
});
