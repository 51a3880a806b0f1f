/**
 * Provisions a streamer (idempotent): IVS channel (+ its stream key), IVS Chat room with the review
 * handler, handle claim and profile. Runs from Mutation.provisionMe and from Cognito
 * post-confirmation. Every created ARN is recorded in a PROVISIONING item right after its call,
 * and resources carry deterministic names, so a retry after a partial failure resumes.
 */
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import {
  CreateChannelCommand, CreateStreamKeyCommand, GetStreamKeyCommand, ListChannelsCommand, ListStreamKeysCommand,
  GetChannelCommand, type ChannelLatencyMode, type ChannelType,
} from '@aws-sdk/client-ivs';
import { CreateRoomCommand, ListRoomsCommand, type FallbackResult } from '@aws-sdk/client-ivschat';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, ivs, ivschat } from '../shared/clients';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult, type AppSyncLambdaResult } from '../shared/errors';
import { cognitoCaller, type AppSyncInvokeEvent } from '../shared/appsync-event';
import { observability } from '../shared/logger';
import { handleKey, handleSchema } from '../shared/domain/handles';
import {
  channelArnIndexKey, nextProvisioningStep, profileKey, provisioningKey, resourceName, streamKeyItemKey,
  type Profile, type ProvisioningRecord,
} from '../shared/domain/streamers';

const { logger } = observability('provision-streamer');

/**
 * If the review handler fails or exceeds its 200 ms, IVS applies this result. ALLOW keeps chat up
 * when the handler is unavailable; the cost is that an unreviewed message may slip through.
 */
export const CHAT_FALLBACK_RESULT: FallbackResult = 'ALLOW';

function tags(userId: string): Record<string, string> {
  return { owner: userId, platform: requireEnv(ENV.RESOURCE_TAG) };
}

async function loadRecord(userId: string): Promise<ProvisioningRecord | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: requireEnv(ENV.TABLE_NAME), Key: provisioningKey(userId), ConsistentRead: true }));
  return Item as ProvisioningRecord | undefined;
}

async function saveRecord(record: ProvisioningRecord): Promise<void> {
  const now = new Date().toISOString();
  await ddb.send(new PutCommand({
    TableName: requireEnv(ENV.TABLE_NAME),
    Item: { ...provisioningKey(record.userId), type: 'Provisioning', ...record, updatedAt: now },
  }));
}

/** Claims the handle for `userId`; a second claim by the same user succeeds (retry). */
async function claimHandle(userId: string, handle: string): Promise<void> {
  try {
    await ddb.send(new PutCommand({
      TableName: requireEnv(ENV.TABLE_NAME),
      Item: { ...handleKey(handle), type: 'Handle', userId, handle, createdAt: new Date().toISOString() },
      ConditionExpression: 'attribute_not_exists(PK) OR userId = :u',
      ExpressionAttributeValues: { ':u': userId },
    }));
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      throw new DomainError('CONFLICT', `The handle ${handle} is taken.`, { field: 'handle' });
    }
    throw error;
  }
}

async function findChannel(name: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await ivs.send(new ListChannelsCommand({ filterByName: name, nextToken }));
    const hit = page.channels?.find((c) => c.name === name);
    if (hit?.arn) return hit.arn;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

async function ensureChannel(record: ProvisioningRecord, name: string): Promise<void> {
  const existing = record.channelArn ?? (await findChannel(name));
  if (existing) {
    const { channel } = await ivs.send(new GetChannelCommand({ arn: existing }));
    record.channelArn = existing;
    record.ingestEndpoint = channel?.ingestEndpoint;
    record.playbackUrl = channel?.playbackUrl;
    return;
  }
  const created = await ivs.send(new CreateChannelCommand({
    name,
    latencyMode: 'LOW' as ChannelLatencyMode,
    type: (optionalEnv(ENV.CHANNEL_TYPE) ?? 'STANDARD') as ChannelType,
    recordingConfigurationArn: optionalEnv(ENV.RECORDING_CONFIGURATION_ARN),
    authorized: false,
    tags: tags(record.userId),
  }));
  if (!created.channel?.arn) throw new Error('CreateChannel returned no channel');
  record.channelArn = created.channel.arn;
  record.ingestEndpoint = created.channel.ingestEndpoint;
  record.playbackUrl = created.channel.playbackUrl;
  // CreateChannel also creates the channel's stream key: record it in the same save.
  if (created.streamKey?.arn && created.streamKey.value) {
    record.streamKeyArn = created.streamKey.arn;
    await saveStreamKey(record.userId, created.streamKey.arn, created.streamKey.value);
  }
}

async function saveStreamKey(userId: string, arn: string, value: string): Promise<void> {
  await ddb.send(new PutCommand({
    TableName: requireEnv(ENV.TABLE_NAME),
    Item: { ...streamKeyItemKey(userId), type: 'StreamKey', userId, streamKeyArn: arn, streamKey: value, createdAt: new Date().toISOString() },
  }));
}

async function ensureStreamKey(record: ProvisioningRecord): Promise<void> {
  const channelArn = record.channelArn!;
  const listed = await ivs.send(new ListStreamKeysCommand({ channelArn }));
  const existing = listed.streamKeys?.[0]?.arn;
  if (existing) {
    const { streamKey } = await ivs.send(new GetStreamKeyCommand({ arn: existing }));
    if (!streamKey?.value) throw new Error('GetStreamKey returned no value');
    record.streamKeyArn = existing;
    await saveStreamKey(record.userId, existing, streamKey.value);
    return;
  }
  const { streamKey } = await ivs.send(new CreateStreamKeyCommand({ channelArn, tags: tags(record.userId) }));
  if (!streamKey?.arn || !streamKey.value) throw new Error('CreateStreamKey returned no key');
  record.streamKeyArn = streamKey.arn;
  await saveStreamKey(record.userId, streamKey.arn, streamKey.value);
}

async function findRoom(name: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await ivschat.send(new ListRoomsCommand({ name, nextToken }));
    const hit = page.rooms?.find((r) => r.name === name);
    if (hit?.arn) return hit.arn;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

async function ensureRoom(record: ProvisioningRecord, name: string): Promise<void> {
  const existing = await findRoom(name);
  if (existing) {
    record.chatRoomArn = existing;
    return;
  }
  const logging = optionalEnv(ENV.CHAT_LOGGING_CONFIGURATION_ARN);
  const room = await ivschat.send(new CreateRoomCommand({
    name,
    messageReviewHandler: { uri: requireEnv(ENV.CHAT_REVIEW_FUNCTION_ARN), fallbackResult: CHAT_FALLBACK_RESULT },
    loggingConfigurationIdentifiers: logging ? [logging] : undefined,
    tags: tags(record.userId),
  }));
  if (!room.arn) throw new Error('CreateRoom returned no arn');
  record.chatRoomArn = room.arn;
}

/** Writes the profile and the room's chat settings (used by the review handler to find the channel). */
async function writeProfile(record: ProvisioningRecord, displayName: string | undefined): Promise<Profile> {
  const now = new Date().toISOString();
  const profile: Profile = {
    userId: record.userId,
    handle: record.handle,
    displayName,
    status: 'OFFLINE',
    channelArn: record.channelArn!,
    playbackUrl: record.playbackUrl!,
    ingestEndpoint: record.ingestEndpoint!,
    chatRoomArn: record.chatRoomArn!,
    tags: [],
    followerCount: 0,
  };
  const table = requireEnv(ENV.TABLE_NAME);
  try {
    await ddb.send(new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: { ...profileKey(record.userId), ...channelArnIndexKey(profile.channelArn), type: 'Profile', ...profile, createdAt: now, updatedAt: now },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Put: {
            TableName: table,
            Item: {
              PK: `CHANNEL#${record.userId}`, SK: 'CHAT', GSI1PK: `ROOM#${profile.chatRoomArn}`, GSI1SK: 'CHAT', type: 'ChatSettings',
              channelId: record.userId, chatRoomArn: profile.chatRoomArn, slowModeSeconds: 0, blockedWords: [],
              blockedWordsAction: 'MASK', maxMessageLength: 500, createdAt: now, updatedAt: now,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      ],
    }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'TransactionCanceledException') throw error;
    // A concurrent or earlier run wrote them: answer what is stored.
    const stored = await getProfile(record.userId);
    if (stored) return stored;
    throw error;
  }
  await ddb.send(new UpdateCommand({
    TableName: table, Key: provisioningKey(record.userId),
    UpdateExpression: 'SET completedAt = :now', ExpressionAttributeValues: { ':now': now },
  }));
  return profile;
}

async function getProfile(userId: string): Promise<Profile | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: requireEnv(ENV.TABLE_NAME), Key: profileKey(userId), ConsistentRead: true }));
  return Item as Profile | undefined;
}

/** Provisions `userId` with `handle`; returns the profile (existing or new). */
export async function provision(userId: string, requestedHandle: string | undefined, displayName?: string): Promise<Profile> {
  const existing = await getProfile(userId);
  if (existing) return existing;

  const record: ProvisioningRecord = (await loadRecord(userId)) ?? { userId, handle: '' };
  if (!record.handle) {
    const parsed = handleSchema.safeParse(requestedHandle ?? '');
    if (!parsed.success) {
      throw new DomainError('VALIDATION', parsed.error.issues[0]?.message ?? 'Invalid handle', { field: 'handle' });
    }
    record.handle = parsed.data;
  }
  await claimHandle(userId, record.handle);
  await saveRecord(record);

  const name = resourceName(requireEnv(ENV.RESOURCE_TAG), userId);
  for (let step = nextProvisioningStep(record); step !== 'PROFILE'; step = nextProvisioningStep(record)) {
    logger.info('provisioning step', { userId, step });
    if (step === 'CHANNEL') await ensureChannel(record, name);
    else if (step === 'STREAM_KEY') await ensureStreamKey(record);
    else await ensureRoom(record, name);
    await saveRecord(record);
  }
  return writeProfile(record, displayName);
}

function isPostConfirmation(event: unknown): event is PostConfirmationTriggerEvent {
  return typeof event === 'object' && event !== null && 'triggerSource' in event && 'userPoolId' in event;
}

/** Mutation.provisionMe (AppSync) or Cognito post-confirmation. */
export async function handler(event: AppSyncInvokeEvent<{ handle?: string | null }> | PostConfirmationTriggerEvent): Promise<unknown> {
  if (isPostConfirmation(event)) {
    if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
    const attrs = event.request.userAttributes;
    const sub = attrs.sub;
    if (!sub) throw new Error('post-confirmation event without sub');
    // Sign-up must not fail because IVS is slow or throttled: provisionMe finishes the job later.
    try {
      await provision(sub, attrs.preferred_username ?? event.userName, attrs.name);
    } catch (error) {
      logger.error('provisioning at sign-up failed; provisionMe will resume it', { error: error as Error, userId: sub });
    }
    return event;
  }
  const result: AppSyncLambdaResult<Profile> = await toAppSyncResult(async () => {
    const caller = cognitoCaller(event.identity);
    return provision(caller.userId, event.arguments.handle ?? caller.handle);
  }, (error) => logger.error('provisionMe failed', { error: error as Error }));
  return result;
}
