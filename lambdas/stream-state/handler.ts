/**
 * "IVS Stream State Change" → profile status, live lists (sparse GSI1 `LIVE`, GSI3 category) and
 * the stream session item, then publishStreamStatus. Duplicates are absorbed by Powertools
 * idempotency (keyed on the EventBridge event id); out-of-order events by a condition on the
 * profile's `lastEventAt` (an older event never overwrites a newer state).
 */
import type { Context } from 'aws-lambda';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, dynamo } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { publish } from '../shared/appsync-publish';
import { observability } from '../shared/logger';
import type { Profile } from '../shared/domain/streamers';
import type { AudienceFields } from '../shared/domain/audience';
import { streamStateEventSchema, transitionFor, type StreamStateEvent } from '../shared/domain/stream-state';
import { isSuspended } from '../shared/domain/safety';
import {
  categoryPk,
  channelArnIndexKey,
  LIVE_PK,
  profileKey,
  streamSessionKey,
  userStreamsPk,
} from '../shared/domain/keys';

const { logger } = observability('stream-state');

export const PUBLISH_STREAM_STATUS = /* GraphQL */ `
  mutation PublishStreamStatus($input: PublishStreamStatusInput!) {
    publishStreamStatus(input: $input) {
      channelId
      handle
      status
      streamId
      title
      at
    }
  }
`;

/** The profile owning a channel ARN (GSI2). */
export async function profileByChannelArn(channelArn: string): Promise<Profile | undefined> {
  const { GSI2PK, GSI2SK } = channelArnIndexKey(channelArn);
  const { Items } = await ddb.send(
    new QueryCommand({
      TableName: requireEnv(ENV.TABLE_NAME),
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK = :sk',
      ExpressionAttributeValues: { ':pk': GSI2PK, ':sk': GSI2SK },
    }),
  );
  return Items?.[0] as Profile | undefined;
}

export type ApplyOutcome = 'APPLIED' | 'STALE' | 'IGNORED' | 'UNKNOWN_CHANNEL' | 'SUSPENDED';

const isConditionFailure = (e: unknown) => (e as { name?: string }).name === 'ConditionalCheckFailedException';

/** Applies one stream state event. */
export async function applyStreamEvent(event: StreamStateEvent): Promise<ApplyOutcome> {
  const transition = transitionFor(event.detail.event_name);
  if (transition === 'IGNORE') return 'IGNORED';
  const channelArn = event.resources[0]!;
  const profile = await profileByChannelArn(channelArn);
  if (!profile) {
    logger.warn('stream event for a channel without profile', { channelArn });
    return 'UNKNOWN_CHANNEL';
  }
  const table = requireEnv(ENV.TABLE_NAME);
  const streamId = event.detail.stream_id;
  const at = new Date(event.time).toISOString();
  // A suspended channel never shows as live (docs/safety.md); its keys are deleted, so this is only an event that raced the suspension.
  if (transition === 'START' && isSuspended(profile.suspendedUntil, new Date().toISOString())) {
    logger.warn('start of a suspended channel ignored', { channelArn, streamId });
    return 'SUSPENDED';
  }

  await updateSession(table, profile.userId, streamId, transition, at);

  try {
    if (transition === 'START') {
      // A stream started in Preview is listed (GSI1, GSI3) only at Go public (lambdas/playback).
      const preview = (profile as Profile & AudienceFields).startInPreview === true;
      await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: profileKey(profile.userId),
          // The second event of a pair (Session Created + Stream Start) finds the stream already live.
          ConditionExpression:
            '(attribute_not_exists(lastEventAt) OR lastEventAt <= :at) AND NOT (#status = :live AND currentStreamId = :sid)',
          UpdateExpression:
            'SET #status = :live, liveSince = :at, currentStreamId = :sid, lastEventAt = :at, viewerCount = :zero, likes = :zero, updatedAt = :now' +
            (preview ? ', inPreview = :preview' : ', GSI1PK = :livePk, GSI1SK = :at') +
            (profile.category && !preview ? ', GSI3PK = :cat, GSI3SK = :at' : ''),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': at,
            ':live': 'LIVE',
            ':sid': streamId,
            ':zero': 0,
            ':now': new Date().toISOString(),
            ...(preview ? { ':preview': true } : { ':livePk': LIVE_PK }),
            ...(profile.category && !preview ? { ':cat': categoryPk(profile.category) } : {}),
          },
        }),
      );
    } else {
      await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: profileKey(profile.userId),
          ConditionExpression: '(attribute_not_exists(lastEventAt) OR lastEventAt <= :at) AND #status = :live',
          UpdateExpression:
            'SET #status = :offline, lastEventAt = :at, updatedAt = :now REMOVE GSI1PK, GSI1SK, GSI3PK, GSI3SK, liveSince, currentStreamId, viewerCount, likes, inPreview',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': at,
            ':live': 'LIVE',
            ':offline': 'OFFLINE',
            ':now': new Date().toISOString(),
          },
        }),
      );
    }
  } catch (error) {
    if (isConditionFailure(error)) {
      logger.info('stale or repeated stream event ignored', { channelArn, event: event.detail.event_name, at });
      return 'STALE';
    }
    throw error;
  }

  try {
    await publish(PUBLISH_STREAM_STATUS, {
      input: {
        channelId: profile.userId,
        handle: profile.handle,
        status: transition === 'START' ? 'LIVE' : 'OFFLINE',
        streamId,
        title: profile.title ?? null,
        at,
      },
    });
  } catch (error) {
    // The stored state is right; clients also re-read it. A lost push is not worth a retry.
    logger.warn('publishStreamStatus failed', { error: error as Error });
  }
  return 'APPLIED';
}

/** Session item: created on start, closed on end; an end seen first is never reopened. */
async function updateSession(
  table: string,
  userId: string,
  streamId: string,
  transition: 'START' | 'END',
  at: string,
): Promise<void> {
  const now = new Date().toISOString();
  const base = {
    TableName: table,
    Key: streamSessionKey(streamId),
    ExpressionAttributeNames: { '#status': 'status', '#type': 'type' },
  };
  try {
    if (transition === 'START') {
      await ddb.send(
        new UpdateCommand({
          ...base,
          ConditionExpression: 'attribute_not_exists(endedAt)',
          UpdateExpression:
            'SET #type = :type, streamId = :sid, userId = :uid, #status = :live, startedAt = if_not_exists(startedAt, :at), GSI1PK = :gpk, GSI1SK = if_not_exists(GSI1SK, :at), createdAt = if_not_exists(createdAt, :now), updatedAt = :now',
          ExpressionAttributeValues: {
            ':type': 'StreamSession',
            ':sid': streamId,
            ':uid': userId,
            ':live': 'LIVE',
            ':at': at,
            ':gpk': userStreamsPk(userId),
            ':now': now,
          },
        }),
      );
    } else {
      await ddb.send(
        new UpdateCommand({
          ...base,
          UpdateExpression:
            'SET #type = :type, streamId = :sid, userId = :uid, #status = :offline, endedAt = if_not_exists(endedAt, :at), startedAt = if_not_exists(startedAt, :at), GSI1PK = :gpk, GSI1SK = if_not_exists(GSI1SK, :at), createdAt = if_not_exists(createdAt, :now), updatedAt = :now',
          ExpressionAttributeValues: {
            ':type': 'StreamSession',
            ':sid': streamId,
            ':uid': userId,
            ':offline': 'OFFLINE',
            ':at': at,
            ':gpk': userStreamsPk(userId),
            ':now': now,
          },
        }),
      );
    }
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

let idempotent: ((event: unknown, context: Context) => Promise<ApplyOutcome>) | undefined;

function idempotentApply() {
  idempotent ??= makeIdempotent(async (event: unknown) => applyStreamEvent(streamStateEventSchema.parse(event)), {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: requireEnv(ENV.IDEMPOTENCY_TABLE_NAME),
      awsSdkV3Client: dynamo,
    }),
    config: new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: 24 * 3600 }),
  });
  return idempotent;
}

/** EventBridge target for "IVS Stream State Change". */
export async function handler(event: unknown, context: Context): Promise<ApplyOutcome> {
  const parsed = streamStateEventSchema.safeParse(event);
  if (!parsed.success) {
    logger.error('not an IVS Stream State Change event', { issues: parsed.error.issues });
    return 'IGNORED';
  }
  return idempotentApply()(parsed.data, context);
}
