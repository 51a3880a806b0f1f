/**
 * Query.streamer (handle claim → profile), Mutation.follow / unfollow (the follow edge and the
 * streamer's followerCount change in one transaction) and Mutation.markNotificationsRead (ids →
 * inbox keys). These need two dependent DynamoDB calls, which a unit resolver cannot make.
 */
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult } from '../shared/errors';
import { cognitoCaller, idArgument, type AppSyncInvokeEvent } from '../shared/appsync-event';
import { observability } from '../shared/logger';
import { handleSchema } from '../shared/domain/handles';
import type { Profile } from '../shared/domain/streamers';
import { followersIndexKey, followKey, handleKey, profileKey, SK_PREFIX, userPartition } from '../shared/domain/keys';

const { logger } = observability('social');

export interface FollowState {
  streamerId: string;
  following: boolean;
  followerCount: number;
}

/** Public profile by handle (case-insensitive), or null. */
export async function streamerByHandle(handle: string): Promise<Profile | null> {
  // A string that is not a handle (too long for a key, say) names nobody: no lookup needed.
  if (!handleSchema.safeParse(handle).success) return null;
  const table = requireEnv(ENV.TABLE_NAME);
  const { Item: claim } = await ddb.send(new GetCommand({ TableName: table, Key: handleKey(handle.trim()) }));
  if (!claim) return null;
  const { Item } = await ddb.send(new GetCommand({ TableName: table, Key: profileKey(claim.userId as string) }));
  return (Item as Profile | undefined) ?? null;
}

async function followerCount(table: string, streamerId: string): Promise<number> {
  const { Item } = await ddb.send(
    new GetCommand({
      TableName: table,
      Key: profileKey(streamerId),
      ConsistentRead: true,
      ProjectionExpression: 'followerCount',
    }),
  );
  return (Item?.followerCount as number | undefined) ?? 0;
}

const cancelled = (e: unknown) => (e as { name?: string }).name === 'TransactionCanceledException';

/** Follows `streamerId`; following twice is answered, not counted twice. */
export async function follow(followerId: string, followerHandle: string, streamerId: string): Promise<FollowState> {
  if (followerId === streamerId) throw new DomainError('VALIDATION', 'You cannot follow yourself.');
  const table = requireEnv(ENV.TABLE_NAME);
  const { Item: streamer } = await ddb.send(new GetCommand({ TableName: table, Key: profileKey(streamerId) }));
  if (!streamer) throw new DomainError('NOT_FOUND', 'No such streamer.');
  const now = new Date().toISOString();
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: {
                ...followKey(followerId, streamerId),
                ...followersIndexKey(streamerId, now),
                type: 'Follow',
                followerId,
                followerHandle,
                streamerId,
                streamerHandle: streamer.handle,
                followedAt: now,
                createdAt: now,
                updatedAt: now,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Update: {
              TableName: table,
              Key: profileKey(streamerId),
              UpdateExpression: 'ADD followerCount :one',
              ConditionExpression: 'attribute_exists(PK)',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (!cancelled(error)) throw error;
  }
  return { streamerId, following: true, followerCount: await followerCount(table, streamerId) };
}

/** Unfollows; unfollowing when not following is a no-op. */
export async function unfollow(followerId: string, streamerId: string): Promise<FollowState> {
  const table = requireEnv(ENV.TABLE_NAME);
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: table,
              Key: followKey(followerId, streamerId),
              ConditionExpression: 'attribute_exists(PK)',
            },
          },
          {
            Update: {
              TableName: table,
              Key: profileKey(streamerId),
              UpdateExpression: 'ADD followerCount :minus',
              ConditionExpression: 'attribute_exists(PK) AND followerCount > :zero',
              ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (!cancelled(error)) throw error;
  }
  return { streamerId, following: false, followerCount: await followerCount(table, streamerId) };
}

/** Marks the caller's notifications read; unknown ids are skipped. */
export async function markRead(userId: string, ids: readonly string[]): Promise<Record<string, unknown>[]> {
  if (ids.length > 100) throw new DomainError('VALIDATION', 'At most 100 notifications at once.');
  const table = requireEnv(ENV.TABLE_NAME);
  const wanted = new Set(ids);
  const found: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  // The inbox keeps 90 days (TTL), so scanning it for the ids is bounded.
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
        ExpressionAttributeValues: { ':pk': userPartition(userId), ':p': SK_PREFIX.notification },
        ScanIndexForward: false,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) if (wanted.has(item.notificationId as string)) found.push(item);
    startKey = found.length === wanted.size ? undefined : page.LastEvaluatedKey;
  } while (startKey);
  const now = new Date().toISOString();
  await Promise.all(
    found.map((item) =>
      ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: { PK: item.PK, SK: item.SK },
          UpdateExpression: 'SET #read = :yes, updatedAt = :now',
          ExpressionAttributeNames: { '#read': 'read' },
          ExpressionAttributeValues: { ':yes': true, ':now': now },
        }),
      ),
    ),
  );
  return found.map((item) => ({ ...item, read: true }));
}

type Args = { handle?: string; streamerId?: string; notificationIds?: string[] };

export async function handler(event: AppSyncInvokeEvent<Args>) {
  return toAppSyncResult(
    async () => {
      const field = event.info.fieldName;
      if (field === 'streamer') return streamerByHandle(event.arguments.handle ?? '');
      const caller = cognitoCaller(event.identity);
      if (field === 'follow')
        return follow(
          caller.userId,
          caller.handle ?? caller.userId,
          idArgument(event.arguments.streamerId, 'streamerId'),
        );
      if (field === 'unfollow') return unfollow(caller.userId, idArgument(event.arguments.streamerId, 'streamerId'));
      if (field === 'markNotificationsRead') return markRead(caller.userId, event.arguments.notificationIds ?? []);
      throw new DomainError('VALIDATION', `Unknown field ${field}`);
    },
    (error) => logger.error('social failed', { error: error as Error }),
  );
}
