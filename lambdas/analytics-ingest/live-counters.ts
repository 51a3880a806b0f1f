/**
 * Applies one batch's live counter plan (domain/analytics-live.ts) to the main table: presence and
 * viewer markers first (conditional puts: a duplicated or re-sent event finds its marker and adds
 * nothing), then one ADD per stream, minute and shard with what the new markers and the batch add.
 * Recently written markers are remembered per instance, so the heartbeats of a viewer whose minute
 * is already marked skip the write.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import {
  LIVE_ITEM_TTL_SECONDS,
  liveCounterKey,
  liveTotalKey,
  planLiveCounters,
  presenceMarkerKey,
  shardOf,
  viewerMarkerKey,
} from '../shared/domain/analytics-live';
import type { StoredEvent } from '../shared/domain/analytics-events';

const MARKED_MEMORY = 100_000;
const marked = new Set<string>();

const isCondition = (e: unknown) => (e as { name?: string }).name === 'ConditionalCheckFailedException';

/** Puts a marker once; true when this call created it. */
async function mark(memoryKey: string, key: { PK: string; SK: string }, expiresAt: number): Promise<boolean> {
  if (marked.has(memoryKey)) return false;
  let created = true;
  try {
    await ddb.send(
      new PutCommand({
        TableName: requireEnv(ENV.TABLE_NAME),
        Item: { ...key, expiresAt },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  } catch (error) {
    if (!isCondition(error)) throw error;
    created = false;
  }
  if (marked.size >= MARKED_MEMORY) marked.clear();
  marked.add(memoryKey);
  return created;
}

/** Writes the live counters for a batch of accepted events. */
export async function updateLiveCounters(events: readonly StoredEvent[], nowMs: number): Promise<void> {
  const table = requireEnv(ENV.TABLE_NAME);
  const plan = planLiveCounters(events);
  const expiresAt = Math.floor(nowMs / 1000) + LIVE_ITEM_TTL_SECONDS;
  const newViewers = new Map<string, number>();
  await Promise.all(
    plan.presence.map(async (p) => {
      if (
        await mark(
          `p#${p.streamId}#${p.minute}#${p.viewerId}`,
          presenceMarkerKey(p.streamId, p.minute, p.viewerId),
          expiresAt,
        )
      ) {
        const k = `${p.streamId}#${p.minute}#${shardOf(p.viewerId)}`;
        newViewers.set(k, (newViewers.get(k) ?? 0) + 1);
      }
    }),
  );
  await Promise.all(
    plan.viewers.map(async (v) => {
      if (await mark(`v#${v.streamId}#${v.viewerId}`, viewerMarkerKey(v.streamId, v.viewerId), expiresAt)) {
        await ddb.send(
          new UpdateCommand({
            TableName: table,
            Key: liveTotalKey(v.streamId, shardOf(v.viewerId)),
            UpdateExpression: 'ADD uniqueViewers :one SET expiresAt = :exp',
            ExpressionAttributeValues: { ':one': 1, ':exp': expiresAt },
          }),
        );
      }
    }),
  );
  await Promise.all(
    plan.deltas.map(async ({ streamId, delta }) => {
      const adds: Record<string, number> = {
        viewers: newViewers.get(`${streamId}#${delta.minute}#${delta.shard}`) ?? 0,
        views: delta.views,
        likes: delta.likes,
        shares: delta.shares,
        watchSeconds: delta.watchSeconds,
        ...delta.products,
      };
      const names = Object.entries(adds).filter(([, v]) => v > 0);
      if (!names.length) return;
      await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: liveCounterKey(streamId, delta.minute, delta.shard),
          UpdateExpression: `ADD ${names.map((_, i) => `#a${i} :a${i}`).join(', ')} SET expiresAt = :exp, minuteAt = :at`,
          ExpressionAttributeNames: Object.fromEntries(names.map(([n], i) => [`#a${i}`, n])),
          ExpressionAttributeValues: {
            ...Object.fromEntries(names.map(([, v], i) => [`:a${i}`, v])),
            ':exp': expiresAt,
            ':at': new Date(delta.minute * 60_000).toISOString(),
          },
        }),
      );
    }),
  );
}
