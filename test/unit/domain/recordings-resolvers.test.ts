/**
 * The recordings resolvers (APPSYNC_JS) run here against a stand-in for AppSync's `util`
 * (the npm package ships types only); the local engine runs them for real in integration tests.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it, vi } from 'vitest';

vi.mock('@aws-appsync/utils', () => {
  class AppSyncError extends Error {
    constructor(
      message: string,
      readonly type?: string,
    ) {
      super(message);
    }
  }
  return {
    util: {
      dynamodb: { toMapValues: (v: Record<string, unknown>) => marshall(v) },
      time: { nowISO8601: () => '2026-01-01T00:00:00.000Z' },
      error: (message: string, type?: string) => {
        throw new AppSyncError(message, type);
      },
    },
  };
});

const recordings = await import('../../../lib/api/resolvers/Query.recordings');
const recent = await import('../../../lib/api/resolvers/Query.recentReplays');
const keep = await import('../../../lib/api/resolvers/Mutation.setRecordingKeep');

type AnyCtx = Parameters<typeof keep.request>[0];
const ctx = (args: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ args, arguments: args, identity: { sub: 'streamer-1' }, ...extra }) as unknown as AnyCtx;

describe('Query.recordings', () => {
  it("queries the streamer's recordings newest first, with a bounded page", () => {
    const req = recordings.request(ctx({ userId: 'u1', limit: 500, nextToken: 't' }) as never);
    expect(req).toMatchObject({
      operation: 'Query',
      index: 'GSI1',
      scanIndexForward: false,
      limit: 50,
      nextToken: 't',
    });
    expect(req.query.expressionValues).toEqual({ ':pk': { S: 'USER#u1#RECORDINGS' } });
    expect(recordings.request(ctx({ userId: 'u1' }) as never).limit).toBe(20);
    expect(recordings.response(ctx({}, { result: { items: [{ recordingId: 'r' }] } }) as never)).toEqual({
      items: [{ recordingId: 'r' }],
      nextToken: null,
    });
  });
});

describe('Query.recentReplays', () => {
  it('queries the sparse RECORDINGS index newest first', () => {
    const req = recent.request(ctx({ limit: 0 }) as never);
    expect(req).toMatchObject({ operation: 'Query', index: 'GSI2', scanIndexForward: false, limit: 1 });
    expect(req.query.expressionValues).toEqual({ ':pk': { S: 'RECORDINGS' } });
  });
});

describe('Mutation.setRecordingKeep', () => {
  it('keep: sets KEEP, only for the owner', () => {
    const req = keep.request(ctx({ recordingId: 'rec_1', keep: true }));
    expect(req.key).toEqual({ PK: { S: 'RECORDING#rec_1' }, SK: { S: 'RECORDING' } });
    expect(req.update.expression).toContain('classification = :c');
    expect(req.update.expressionValues).toMatchObject({ ':c': { S: 'KEEP' }, ':keep': { BOOL: true } });
    expect(req.condition).toMatchObject({
      expression: 'attribute_exists(#state) AND userId = :owner',
      expressionValues: { ':owner': { S: 'streamer-1' } },
    });
  });

  it('unkeep: removes the classification for the stream consumer to recompute', () => {
    const req = keep.request(ctx({ recordingId: 'rec_1', keep: false }));
    expect(req.update.expression).toContain('REMOVE classification');
    expect(req.update.expressionValues).toMatchObject({ ':keep': { BOOL: false } });
  });

  it('maps a failed ownership condition to NOT_OWNER', () => {
    expect(() =>
      keep.response(ctx({}, { error: { message: 'x', type: 'DynamoDB:ConditionalCheckFailedException' } })),
    ).toThrow(expect.objectContaining({ type: 'NOT_OWNER' }));
    expect(keep.response(ctx({}, { result: { recordingId: 'rec_1', keep: true } }))).toEqual({
      recordingId: 'rec_1',
      keep: true,
    });
  });
});
