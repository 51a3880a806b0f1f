/**
 * Applies one batch's live counter plan (domain/analytics-live.ts) to the main table: first one
 * update per viewer of the batch on the viewer's state item (the minutes it was seen in, a set that
 * only grows, and how far its watching reaches), whose old image tells which minutes are new and how
 * much watch time the batch adds; then one ADD per stream, 10-minute bucket and shard. A duplicated or
 * re-sent event finds its minute already in the set and its time behind the reach, and adds nothing there.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import {
  applyPresence,
  bucketOf,
  emptyDelta,
  LIVE_ITEM_TTL_SECONDS,
  liveCounterKey,
  minuteViewersAttribute,
  planLiveCounters,
  shardOf,
  viewerStateKey,
  type CounterDelta,
  type ViewerBatch,
  type ViewerState,
} from '../shared/domain/analytics-live';
import type { StoredEvent } from '../shared/domain/analytics-events';

const isCondition = (e: unknown) => (e as { name?: string }).name === 'ConditionalCheckFailedException';

function stateOf(item: Record<string, unknown> | undefined): ViewerState | undefined {
  if (!item) return undefined;
  const minutes = item.minutes instanceof Set ? (item.minutes as Set<number>) : new Set<number>();
  return {
    minutes,
    untilMs: typeof item.untilMs === 'number' ? item.untilMs : null,
    closed: item.closed === true,
  };
}

/**
 * Adds the batch's minutes to the viewer's state and moves its reach to the batch's newest presence
 * event, unless the state already reaches further (a late batch, another tab ahead): then only the
 * minutes are added. Answers the state as it was before.
 */
async function recordPresence(table: string, v: ViewerBatch, expiresAt: number): Promise<ViewerState | undefined> {
  const newest = v.presence[v.presence.length - 1];
  const base = {
    TableName: table,
    Key: viewerStateKey(v.streamId, v.viewerId),
    ReturnValues: 'ALL_OLD' as const,
    // Named, so no attribute can collide with one of DynamoDB's reserved words.
    ExpressionAttributeNames: { '#m': 'minutes', '#x': 'expiresAt' } as Record<string, string>,
  };
  const minutes = new Set(v.minutes);
  if (newest) {
    try {
      const out = await ddb.send(
        new UpdateCommand({
          ...base,
          UpdateExpression: 'ADD #m :m SET #u = :u, #c = :c, #x = :exp',
          ConditionExpression: 'attribute_not_exists(#u) OR #u < :u',
          ExpressionAttributeNames: { ...base.ExpressionAttributeNames, '#u': 'untilMs', '#c': 'closed' },
          ExpressionAttributeValues: {
            ':m': minutes,
            ':u': newest.atMs,
            ':c': newest.type === 'view_end',
            ':exp': expiresAt,
          },
        }),
      );
      return stateOf(out.Attributes);
    } catch (error) {
      if (!isCondition(error)) throw error;
    }
  }
  const out = await ddb.send(
    new UpdateCommand({
      ...base,
      UpdateExpression: 'ADD #m :m SET #x = :exp',
      ExpressionAttributeValues: { ':m': minutes, ':exp': expiresAt },
    }),
  );
  return stateOf(out.Attributes);
}

/** Writes the live counters for a batch of accepted events. */
export async function updateLiveCounters(events: readonly StoredEvent[], nowMs: number): Promise<void> {
  const table = requireEnv(ENV.TABLE_NAME);
  const plan = planLiveCounters(events);
  const expiresAt = Math.floor(nowMs / 1000) + LIVE_ITEM_TTL_SECONDS;
  const deltas = new Map(plan.deltas.map((d) => [`${d.streamId}#${d.delta.bucket}#${d.delta.shard}`, d]));
  const deltaOf = (streamId: string, minute: number, shard: number): CounterDelta => {
    const key = `${streamId}#${bucketOf(minute)}#${shard}`;
    let entry = deltas.get(key);
    if (!entry) {
      entry = { streamId, delta: emptyDelta(bucketOf(minute), shard) };
      deltas.set(key, entry);
    }
    return entry.delta;
  };
  await Promise.all(
    plan.viewers.map(async (v) => {
      const outcome = applyPresence(v, await recordPresence(table, v, expiresAt));
      const shard = shardOf(v.viewerId);
      for (const m of outcome.newMinutes) {
        const d = deltaOf(v.streamId, m, shard);
        d.viewers[m] = (d.viewers[m] ?? 0) + 1;
      }
      const first = v.minutes[0];
      if (outcome.newViewer && first !== undefined) deltaOf(v.streamId, first, shard).uniqueViewers += 1;
      for (const [m, ms] of outcome.watchMs) deltaOf(v.streamId, m, shard).watchMs += ms;
    }),
  );
  await Promise.all(
    [...deltas.values()].map(async ({ streamId, delta }) => {
      const adds: Record<string, number> = {
        ...Object.fromEntries(Object.entries(delta.viewers).map(([m, n]) => [minuteViewersAttribute(Number(m)), n])),
        uniqueViewers: delta.uniqueViewers,
        views: delta.views,
        likes: delta.likes,
        shares: delta.shares,
        watchMs: delta.watchMs,
        ...delta.products,
      };
      const names = Object.entries(adds).filter(([, v]) => v > 0);
      if (!names.length) return;
      await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: liveCounterKey(streamId, delta.bucket, delta.shard),
          UpdateExpression: `ADD ${names.map((_, i) => `#a${i} :a${i}`).join(', ')} SET expiresAt = :exp, bucketAt = :at`,
          ExpressionAttributeNames: Object.fromEntries(names.map(([n], i) => [`#a${i}`, n])),
          ExpressionAttributeValues: {
            ...Object.fromEntries(names.map(([, v], i) => [`:a${i}`, v])),
            ':exp': expiresAt,
            ':at': new Date(delta.bucket * 60_000).toISOString(),
          },
        }),
      );
    }),
  );
}
