/**
 * Scheduled while-live poller: for each LIVE profile, IVS GetStream (viewers) and GetStreamSession
 * (ingest configuration and recent IVS events such as starvation), a HEALTH sample for the control
 * room, peak viewers kept on the profile and session, viewer milestones emitted once each as an
 * EventBridge "Viewer Milestone" event, and publishStreamHealth.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetStreamCommand, GetStreamSessionCommand } from '@aws-sdk/client-ivs';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, ivs } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { publish } from '../shared/appsync-publish';
import { observability } from '../shared/logger';
import { mapLimit } from '../shared/domain/alerts';
import { healthNotes, milestonesCrossed } from '../shared/domain/stream-state';
import type { Profile } from '../shared/domain/streamers';
import { profileKey } from '../shared/domain/keys';

const { logger } = observability('stream-health-poller');
const eventBridge = new EventBridgeClient({});

/** Channels polled in parallel (IVS GetStream allows 5 TPS by default per account). */
export const POLL_CONCURRENCY = 4;
export const HEALTH_TTL_SECONDS = 7 * 24 * 3600;
export const MILESTONE_SOURCE = 'live-shopping.streams';

export const PUBLISH_STREAM_HEALTH = /* GraphQL */ `
  mutation PublishStreamHealth($input: PublishStreamHealthInput!) {
    publishStreamHealth(input: $input) { channelId streamId at viewerCount peakViewers bitrate frameRate events }
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
    await ddb.send(new UpdateCommand({
      TableName: table, Key: key,
      UpdateExpression: 'SET peakViewers = :v',
      ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(peakViewers) OR peakViewers < :v)',
      ExpressionAttributeValues: { ':v': viewers },
    }));
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
    logger.warn('GetStreamSession failed; sample without ingest data', { error: error as Error, channelArn: profile.channelArn });
  }
  if (stream.health && stream.health !== 'HEALTHY' && stream.health !== 'UNKNOWN') events = [...events, `Health ${stream.health}`];

  const sessionKey = { PK: `STREAM#${streamId}`, SK: 'STREAM' };
  const { Attributes: before } = await ddb.send(new UpdateCommand({
    TableName: table, Key: profileKey(profile.userId),
    UpdateExpression: 'SET viewerCount = :v',
    ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeValues: { ':v': viewers },
    ReturnValues: 'ALL_OLD',
  }));
  await raisePeak(table, profileKey(profile.userId), viewers);
  const sessionBefore = await ddb.send(new UpdateCommand({
    TableName: table, Key: sessionKey,
    UpdateExpression: 'SET lastViewerCount = :v', ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeValues: { ':v': viewers }, ReturnValues: 'ALL_OLD',
  })).catch((e: unknown) => { if (isCondition(e)) return { Attributes: undefined }; throw e; });
  const previousStreamPeak = (sessionBefore.Attributes?.peakViewers as number | undefined) ?? 0;
  await raisePeak(table, sessionKey, viewers);
  const peakViewers = Math.max(previousStreamPeak, viewers, (before?.peakViewers as number | undefined) ?? 0);

  for (const milestone of milestonesCrossed(previousStreamPeak, viewers)) {
    await emitMilestone(table, profile, streamId, milestone, viewers, now);
  }

  const sample: HealthSample = {
    channelId: profile.userId, streamId, at: now.toISOString(), viewerCount: viewers,
    peakViewers, bitrate, frameRate, events,
  };
  await ddb.send(new PutCommand({
    TableName: table,
    Item: {
      PK: `STREAM#${streamId}`, SK: `HEALTH#${sample.at}`, type: 'StreamHealth', ...sample,
      GSI1PK: `USER#${profile.userId}#HEALTH`, GSI1SK: sample.at,
      expiresAt: Math.floor(now.getTime() / 1000) + HEALTH_TTL_SECONDS, createdAt: sample.at, updatedAt: sample.at,
    },
  }));
  try {
    await publish(PUBLISH_STREAM_HEALTH, { input: sample });
  } catch (error) {
    logger.warn('publishStreamHealth failed', { error: error as Error });
  }
  return sample;
}

/** Emits a milestone at most once per stream (conditional marker before PutEvents). */
async function emitMilestone(table: string, profile: Profile, streamId: string, milestone: number, viewers: number, now: Date) {
  try {
    await ddb.send(new PutCommand({
      TableName: table,
      Item: { PK: `STREAM#${streamId}`, SK: `MILESTONE#${String(milestone).padStart(15, '0')}`, type: 'ViewerMilestone', milestone, at: now.toISOString(), createdAt: now.toISOString(), updatedAt: now.toISOString() },
      ConditionExpression: 'attribute_not_exists(PK)',
    }));
  } catch (error) {
    if (isCondition(error)) return;
    throw error;
  }
  const markerKey = { PK: `STREAM#${streamId}`, SK: `MILESTONE#${String(milestone).padStart(15, '0')}` };
  let accepted = false;
  try {
    const out = await eventBridge.send(new PutEventsCommand({
      Entries: [{
        Source: MILESTONE_SOURCE,
        DetailType: 'Viewer Milestone',
        Resources: [profile.channelArn],
        Detail: JSON.stringify({ channelId: profile.userId, handle: profile.handle, streamId, milestone, viewerCount: viewers, at: now.toISOString() }),
      }],
    }));
    accepted = !out.FailedEntryCount;
    if (!accepted) logger.error('Viewer Milestone event not accepted', { entries: out.Entries });
  } catch (error) {
    logger.error('PutEvents failed', { error: error as Error });
  }
  if (!accepted) {
    // Release the marker so the next poll (a minute later) emits the milestone instead of losing it.
    await ddb.send(new DeleteCommand({ TableName: table, Key: markerKey }));
  }
}

/** Polls every LIVE profile (GSI1 `LIVE`). */
export async function pollAll(now = new Date()): Promise<HealthSample[]> {
  const table = requireEnv(ENV.TABLE_NAME);
  const profiles: Profile[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(new QueryCommand({
      TableName: table, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :live',
      ExpressionAttributeValues: { ':live': 'LIVE' }, ExclusiveStartKey: startKey,
    }));
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
