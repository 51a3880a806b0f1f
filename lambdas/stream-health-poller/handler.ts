/**
 * Scheduled while-live poller: for each LIVE profile, IVS GetStream (viewers) and GetStreamSession
 * (ingest configuration and recent IVS events such as starvation), a HEALTH sample for the control
 * room, peak viewers kept on the profile and session, viewer milestones (IVS's count; emitted once per
 * stream and threshold with the analytics run, lambdas/shared/viewer-milestones.ts), and publishStreamHealth.
 */
import { GetStreamCommand, GetStreamSessionCommand } from '@aws-sdk/client-ivs';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, ivs } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { publish } from '../shared/appsync-publish';
import { observability } from '../shared/logger';
import { mapLimit } from '../shared/domain/alerts';
import { healthNotes, milestonesCrossed } from '../shared/domain/stream-state';
import type { Profile } from '../shared/domain/streamers';
import { healthSampleKey, LIVE_PK, profileKey, streamSessionKey, userHealthPk } from '../shared/domain/keys';
import { emitViewerMilestone, VIEWER_MILESTONE_EVENT } from '../shared/viewer-milestones';

const { logger } = observability('stream-health-poller');

/** Channels polled in parallel (IVS GetStream allows 5 TPS by default per account). */
export const POLL_CONCURRENCY = 4;
export const HEALTH_TTL_SECONDS = 7 * 24 * 3600;
/** Source of the Viewer Milestone events (lambdas/shared/viewer-milestones.ts; the analytics report run emits them too). */
export const MILESTONE_SOURCE = VIEWER_MILESTONE_EVENT.source;

export const PUBLISH_STREAM_HEALTH = /* GraphQL */ `
  mutation PublishStreamHealth($input: PublishStreamHealthInput!) {
    publishStreamHealth(input: $input) {
      channelId
      streamId
      at
      viewerCount
      peakViewers
      bitrate
      frameRate
      events
    }
  }
`;

export interface HealthSample {
  channelId: string;
  streamId: string;
  at: string;
  viewerCount: number;
  peakViewers: number;
  bitrate: number | null;
  frameRate: number | null;
  events: string[];
}

const isCondition = (e: unknown) => (e as { name?: string }).name === 'ConditionalCheckFailedException';

async function raisePeak(table: string, key: Record<string, string>, viewers: number): Promise<boolean> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET peakViewers = :v',
        ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(peakViewers) OR peakViewers < :v)',
        ExpressionAttributeValues: { ':v': viewers },
      }),
    );
    return true;
  } catch (error) {
    if (isCondition(error)) return false;
    throw error;
  }
}

/** Polls one live channel; undefined when IVS says it is not broadcasting. */
export async function pollChannel(profile: Profile, now: Date): Promise<HealthSample | undefined> {
  const table = requireEnv(ENV.TABLE_NAME);
  let stream;
  try {
    ({ stream } = await ivs.send(new GetStreamCommand({ channelArn: profile.channelArn })));
  } catch (error) {
    if ((error as { name?: string }).name === 'ChannelNotBroadcasting') return undefined;
    throw error;
  }
  const streamId = stream?.streamId ?? profile.currentStreamId;
  if (!stream || !streamId) return undefined;
  const viewers = stream.viewerCount ?? 0;

  let bitrate: number | null = null;
  let frameRate: number | null = null;
  let events: string[] = [];
  try {
    const { streamSession } = await ivs.send(new GetStreamSessionCommand({ channelArn: profile.channelArn, streamId }));
    const video = streamSession?.ingestConfiguration?.video;
    bitrate = video?.targetBitrate ?? null;
    frameRate = video?.targetFramerate ?? null;
    events = healthNotes(streamSession?.truncatedEvents);
  } catch (error) {
    logger.warn('GetStreamSession failed; sample without ingest data', {
      error: error as Error,
      channelArn: profile.channelArn,
    });
  }
  if (stream.health && stream.health !== 'HEALTHY' && stream.health !== 'UNKNOWN')
    events = [...events, `Health ${stream.health}`];

  const sessionKey = streamSessionKey(streamId);
  const { Attributes: before } = await ddb.send(
    new UpdateCommand({
      TableName: table,
      Key: profileKey(profile.userId),
      UpdateExpression: 'SET viewerCount = :v',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':v': viewers },
      ReturnValues: 'ALL_OLD',
    }),
  );
  await raisePeak(table, profileKey(profile.userId), viewers);
  const sessionBefore = await ddb
    .send(
      new UpdateCommand({
        TableName: table,
        Key: sessionKey,
        UpdateExpression: 'SET lastViewerCount = :v',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':v': viewers },
        ReturnValues: 'ALL_OLD',
      }),
    )
    .catch((e: unknown) => {
      if (isCondition(e)) return { Attributes: undefined };
      throw e;
    });
  const previousStreamPeak = (sessionBefore.Attributes?.peakViewers as number | undefined) ?? 0;
  await raisePeak(table, sessionKey, viewers);
  const peakViewers = Math.max(previousStreamPeak, viewers, (before?.peakViewers as number | undefined) ?? 0);

  for (const milestone of milestonesCrossed(previousStreamPeak, viewers)) {
    await emitViewerMilestone({
      streamId,
      channelId: profile.userId,
      handle: profile.handle,
      channelArn: profile.channelArn,
      chatRoomArn: profile.chatRoomArn,
      milestone,
      viewers,
      source: 'ivs',
      at: now,
    });
  }

  const sample: HealthSample = {
    channelId: profile.userId,
    streamId,
    at: now.toISOString(),
    viewerCount: viewers,
    peakViewers,
    bitrate,
    frameRate,
    events,
  };
  await ddb.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...healthSampleKey(streamId, sample.at),
        type: 'StreamHealth',
        ...sample,
        GSI1PK: userHealthPk(profile.userId),
        GSI1SK: sample.at,
        expiresAt: Math.floor(now.getTime() / 1000) + HEALTH_TTL_SECONDS,
        createdAt: sample.at,
        updatedAt: sample.at,
      },
    }),
  );
  try {
    await publish(PUBLISH_STREAM_HEALTH, { input: sample });
  } catch (error) {
    logger.warn('publishStreamHealth failed', { error: error as Error });
  }
  return sample;
}

/** Polls every LIVE profile (GSI1 `LIVE`). */
export async function pollAll(now = new Date()): Promise<HealthSample[]> {
  const table = requireEnv(ENV.TABLE_NAME);
  const profiles: Profile[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :live',
        ExpressionAttributeValues: { ':live': LIVE_PK },
        ExclusiveStartKey: startKey,
      }),
    );
    profiles.push(...((page.Items ?? []) as Profile[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const samples = await mapLimit(profiles, POLL_CONCURRENCY, async (p) => {
    try {
      return await pollChannel(p, now);
    } catch (error) {
      // One failing channel must not starve the others of their sample.
      logger.error('health poll failed', { error: error as Error, userId: p.userId });
      return undefined;
    }
  });
  return samples.filter((s): s is HealthSample => s !== undefined);
}

/** EventBridge schedule target. */
export async function handler(): Promise<{ polled: number }> {
  const samples = await pollAll();
  return { polled: samples.length };
}
