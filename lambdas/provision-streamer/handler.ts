/**
 * Provisions a streamer's IVS channel (+ stream key), IVS Chat room and profile, only for users who
 * open the Studio (never at sign-up: lambdas/account claims the handle there), asynchronously and
 * idempotently:
 * - Mutation.provisionMe answers at once. It takes the provisioning record's lease with a
 *   conditional write (no record, the last run FAILED, or its lease lapsed) and answers
 *   PROVISIONING; a concurrent or retried call finds the lease held and answers the same state
 *   without starting anything. READY (with the profile) once the profile exists.
 * - The write is the event: this function also consumes the table stream, and a record whose
 *   `leaseId` changed starts the run that holds it. Every write of the run is fenced by its
 *   `leaseId`; the lease outlives the function's timeout, so two runs never overlap.
 * - Every created ARN is recorded right after its call. A run that crashed before recording one
 *   (the stream redelivers the record to the same lease) finds the resource by its deterministic
 *   name and its owner/platform tags before creating another.
 * - A run that fails marks the record FAILED (with the reason) and releases the lease; the Studio
 *   (polling Query.myProvisioning, which never starts anything) shows it, and provisionMe starts a new run.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateChannelCommand,
  CreateStreamKeyCommand,
  GetChannelCommand,
  GetStreamKeyCommand,
  ListChannelsCommand,
  ListStreamKeysCommand,
  type ChannelLatencyMode,
  type ChannelType,
} from '@aws-sdk/client-ivs';
import { CreateRoomCommand, ListRoomsCommand, type FallbackResult } from '@aws-sdk/client-ivschat';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { claimHandle, loadAccount } from '../shared/accounts';
import { cognitoCaller, type AppSyncInvokeEvent } from '../shared/appsync-event';
import { ddb, ivsProvisioning as ivs, ivschatProvisioning as ivschat } from '../shared/clients';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { toAppSyncResult, type AppSyncLambdaResult } from '../shared/errors';
import { observability } from '../shared/logger';
import { imageOf } from '../shared/stream-image';
import {
  PROVISIONING_LEASE_SECONDS,
  mayStartRun,
  nextProvisioningStep,
  ownedBy,
  resourceName,
  type Profile,
  type ProvisioningRecord,
  type ProvisioningStatus,
} from '../shared/domain/streamers';
import {
  channelArnIndexKey,
  chatSettingsKey,
  profileKey,
  provisioningKey,
  roomIndexKey,
  streamKeyItemKey,
} from '../shared/domain/keys';

const { logger } = observability('provision-streamer');

/**
 * If the review handler fails or exceeds its 200 ms, IVS applies this result (the local IVS Chat
 * too). ALLOW keeps chat up when the handler is slow or down; bans and timeouts do not depend on the
 * handler (no token for the banned, no SEND_MESSAGE in a timed-out caller's token), so what an
 * unreviewed message can slip past is slow mode and blocked words (docs/decisions/chat-review-fallback.md).
 */
export const CHAT_FALLBACK_RESULT: FallbackResult = 'ALLOW';

/**
 * Messages per second the whole room may send: IVS Chat's maximum. Its default of 10 refuses (429)
 * part of a busy show's chat: 50 chatters at one message every 2 s already send 25/s
 * (docs/scaling.md, show night). Slow mode is the streamer's tool for pacing, not this cap.
 */
export const CHAT_ROOM_MESSAGES_PER_SECOND = 100;

/** The provisioning record as stored: what the run created so far, plus its lease. */
export interface StoredProvisioning extends ProvisioningRecord {
  status?: ProvisioningStatus;
  leaseId?: string;
  leaseUntil?: number;
  step?: string;
  error?: string;
  attempts?: number;
}

/** What provisionMe answers (GraphQL `Provisioning`). */
export interface ProvisioningView {
  status: ProvisioningStatus;
  handle: string | null;
  step: string | null;
  error: string | null;
  streamer: Profile | null;
}

const table = () => requireEnv(ENV.TABLE_NAME);

function tags(userId: string): Record<string, string> {
  return { owner: userId, platform: requireEnv(ENV.RESOURCE_TAG) };
}

/** The condition of every write a run makes: it still holds the lease it started with. */
class LeaseLost extends Error {
  constructor() {
    super('provisioning lease lost');
    this.name = 'LeaseLost';
  }
}

const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

async function getProfile(userId: string): Promise<Profile | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: table(), Key: profileKey(userId), ConsistentRead: true }),
  );
  return Item as Profile | undefined;
}

async function loadRecord(userId: string): Promise<StoredProvisioning | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: table(), Key: provisioningKey(userId), ConsistentRead: true }),
  );
  return Item as StoredProvisioning | undefined;
}

/** Writes the run's progress; refused (LeaseLost) once another run holds the record. */
async function saveRecord(record: StoredProvisioning, leaseId: string): Promise<void> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: table(),
        Item: {
          ...provisioningKey(record.userId),
          type: 'Provisioning',
          ...record,
          leaseId,
          leaseUntil: Date.now() + PROVISIONING_LEASE_SECONDS * 1000,
          updatedAt: new Date().toISOString(),
        },
        ConditionExpression: 'leaseId = :l',
        ExpressionAttributeValues: { ':l': leaseId },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new LeaseLost();
    throw error;
  }
}

function view(
  record: StoredProvisioning | undefined,
  profile: Profile | undefined,
  handle: string | null,
): ProvisioningView {
  if (profile) return { status: 'READY', handle: profile.handle, step: null, error: null, streamer: profile };
  return {
    status: record?.status === 'FAILED' ? 'FAILED' : 'PROVISIONING',
    handle: record?.handle ?? handle,
    step: record?.step ?? null,
    error: record?.status === 'FAILED' ? (record.error ?? 'Setting up the channel failed') : null,
    streamer: null,
  };
}

/**
 * provisionMe: READY with the profile, or takes the lease and answers PROVISIONING (the run starts
 * from the table stream), or answers the state of the run that holds it. Never calls IVS.
 */
export async function requestProvisioning(
  userId: string,
  requestedHandle: string | undefined,
): Promise<ProvisioningView> {
  const profile = await getProfile(userId);
  if (profile) return view(undefined, profile, profile.handle);
  const account = (await loadAccount(userId)) ?? (await claimHandle(userId, requestedHandle ?? ''));
  const existing = await loadRecord(userId);
  const now = Date.now();
  if (!mayStartRun(existing?.status ? { status: existing.status, leaseUntil: existing.leaseUntil } : undefined, now)) {
    return view(existing, undefined, account.handle);
  }
  const leaseId = randomUUID();
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table(),
        Key: provisioningKey(userId),
        UpdateExpression:
          'SET #type = :type, userId = :u, handle = :h, #status = :p, leaseId = :l, leaseUntil = :until, requestedAt = :at, ' +
          'updatedAt = :at, attempts = if_not_exists(attempts, :zero) + :one REMOVE #error, step',
        // The same rule as mayStartRun, decided by DynamoDB so two concurrent calls cannot both win.
        ConditionExpression:
          'attribute_not_exists(PK) OR attribute_not_exists(#status) OR #status = :failed OR (#status = :p AND leaseUntil <= :now)',
        ExpressionAttributeNames: { '#type': 'type', '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: {
          ':type': 'Provisioning',
          ':u': userId,
          ':h': account.handle,
          ':p': 'PROVISIONING',
          ':failed': 'FAILED',
          ':l': leaseId,
          ':until': now + PROVISIONING_LEASE_SECONDS * 1000,
          ':now': now,
          ':at': new Date(now).toISOString(),
          ':zero': 0,
          ':one': 1,
        },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // Another call took the lease first: answer its state.
    return view(await loadRecord(userId), await getProfile(userId), account.handle);
  }
  logger.info('provisioning requested', { userId, leaseId });
  return { status: 'PROVISIONING', handle: account.handle, step: null, error: null, streamer: null };
}

/** The channel this user owns on this platform, found by its deterministic name and its tags. */
async function findOwnedChannel(name: string, userId: string): Promise<string | undefined> {
  const resourceTag = requireEnv(ENV.RESOURCE_TAG);
  const found: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ivs.send(new ListChannelsCommand({ filterByName: name, nextToken }));
    for (const c of page.channels ?? [])
      if (c.arn && c.name === name && ownedBy(c.tags, userId, resourceTag)) found.push(c.arn);
    nextToken = page.nextToken;
  } while (nextToken);
  if (found.length > 1)
    logger.warn("several channels carry this owner's tags; using the first", { userId, channels: found });
  return found[0];
}

async function saveStreamKey(userId: string, arn: string, value: string): Promise<void> {
  await ddb.send(
    new PutCommand({
      TableName: table(),
      Item: {
        ...streamKeyItemKey(userId),
        type: 'StreamKey',
        userId,
        streamKeyArn: arn,
        streamKey: value,
        createdAt: new Date().toISOString(),
      },
    }),
  );
}

async function ensureChannel(record: StoredProvisioning, name: string, leaseId: string): Promise<void> {
  const existing = record.channelArn ?? (await findOwnedChannel(name, record.userId));
  if (existing) {
    const { channel } = await ivs.send(new GetChannelCommand({ arn: existing }));
    record.channelArn = existing;
    record.ingestEndpoint = channel?.ingestEndpoint;
    record.playbackUrl = channel?.playbackUrl;
    return;
  }
  const created = await ivs.send(
    new CreateChannelCommand({
      name,
      latencyMode: 'LOW' as ChannelLatencyMode,
      type: (optionalEnv(ENV.CHANNEL_TYPE) ?? 'STANDARD') as ChannelType,
      recordingConfigurationArn: optionalEnv(ENV.RECORDING_CONFIGURATION_ARN),
      authorized: false,
      tags: tags(record.userId),
    }),
  );
  if (!created.channel?.arn) throw new Error('CreateChannel returned no channel');
  record.channelArn = created.channel.arn;
  record.ingestEndpoint = created.channel.ingestEndpoint;
  record.playbackUrl = created.channel.playbackUrl;
  // CreateChannel also creates the channel's stream key: keep it before anything else can fail.
  if (created.streamKey?.arn && created.streamKey.value) {
    record.streamKeyArn = created.streamKey.arn;
    await saveStreamKey(record.userId, created.streamKey.arn, created.streamKey.value);
  }
  await saveRecord(record, leaseId);
}

async function ensureStreamKey(record: StoredProvisioning): Promise<void> {
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

async function findOwnedRoom(name: string, userId: string): Promise<string | undefined> {
  const resourceTag = requireEnv(ENV.RESOURCE_TAG);
  let nextToken: string | undefined;
  do {
    const page = await ivschat.send(new ListRoomsCommand({ name, nextToken }));
    const hit = page.rooms?.find((r) => r.name === name && ownedBy(r.tags, userId, resourceTag));
    if (hit?.arn) return hit.arn;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

async function ensureRoom(record: StoredProvisioning, name: string): Promise<void> {
  const existing = await findOwnedRoom(name, record.userId);
  if (existing) {
    record.chatRoomArn = existing;
    return;
  }
  const logging = optionalEnv(ENV.CHAT_LOGGING_CONFIGURATION_ARN);
  const room = await ivschat.send(
    new CreateRoomCommand({
      name,
      maximumMessageRatePerSecond: CHAT_ROOM_MESSAGES_PER_SECOND,
      messageReviewHandler: { uri: requireEnv(ENV.CHAT_REVIEW_FUNCTION_ARN), fallbackResult: CHAT_FALLBACK_RESULT },
      loggingConfigurationIdentifiers: logging ? [logging] : undefined,
      tags: tags(record.userId),
    }),
  );
  if (!room.arn) throw new Error('CreateRoom returned no arn');
  record.chatRoomArn = room.arn;
}

/** Writes the profile and the room's chat settings (used by the review handler to find the channel). */
async function writeProfile(record: StoredProvisioning): Promise<void> {
  const now = new Date().toISOString();
  const profile: Profile = {
    userId: record.userId,
    handle: record.handle,
    status: 'OFFLINE',
    channelArn: record.channelArn!,
    playbackUrl: record.playbackUrl!,
    ingestEndpoint: record.ingestEndpoint!,
    chatRoomArn: record.chatRoomArn!,
    tags: [],
    followerCount: 0,
  };
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table(),
              Item: {
                ...profileKey(record.userId),
                ...channelArnIndexKey(profile.channelArn),
                type: 'Profile',
                ...profile,
                createdAt: now,
                updatedAt: now,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Put: {
              TableName: table(),
              Item: {
                ...chatSettingsKey(record.userId),
                ...roomIndexKey(profile.chatRoomArn),
                type: 'ChatSettings',
                channelId: record.userId,
                chatRoomArn: profile.chatRoomArn,
                slowModeSeconds: 0,
                blockedWords: [],
                blockedWordsAction: 'MASK',
                maxMessageLength: 500,
                createdAt: now,
                updatedAt: now,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
        ],
      }),
    );
  } catch (error) {
    // A redelivered run that had written them: the profile is there, nothing else to do.
    if ((error as { name?: string }).name !== 'TransactionCanceledException' || !(await getProfile(record.userId)))
      throw error;
  }
}

/** Runs the provisioning that holds `leaseId` to READY, or marks it FAILED. */
export async function runProvisioning(userId: string, leaseId: string): Promise<ProvisioningStatus | 'SUPERSEDED'> {
  const record = await loadRecord(userId);
  if (!record || record.leaseId !== leaseId || record.status !== 'PROVISIONING') return 'SUPERSEDED';
  const name = resourceName(requireEnv(ENV.RESOURCE_TAG), userId);
  try {
    // Renews the lease before any IVS call, so a run redelivered late cannot act on a lapsed one.
    await saveRecord(record, leaseId);
    for (let step = nextProvisioningStep(record); step !== 'PROFILE'; step = nextProvisioningStep(record)) {
      logger.info('provisioning step', { userId, step });
      record.step = step;
      if (step === 'CHANNEL') await ensureChannel(record, name, leaseId);
      else if (step === 'STREAM_KEY') await ensureStreamKey(record);
      else await ensureRoom(record, name);
      await saveRecord(record, leaseId);
    }
    record.step = 'PROFILE';
    await writeProfile(record);
    record.status = 'READY';
    await saveRecord(record, leaseId);
    return 'READY';
  } catch (error) {
    if (error instanceof LeaseLost) return 'SUPERSEDED';
    logger.error('provisioning failed', { error: error as Error, userId, step: record.step });
    const kind = (error as { name?: string }).name ?? 'Error';
    record.status = 'FAILED';
    record.error =
      kind === 'ThrottlingException' || kind === 'ServiceQuotaExceededException'
        ? 'The video service is busy; try again in a minute.'
        : 'Setting up the channel failed; try again.';
    try {
      await ddb.send(
        new PutCommand({
          TableName: table(),
          Item: {
            ...provisioningKey(userId),
            type: 'Provisioning',
            ...record,
            leaseId,
            leaseUntil: 0,
            updatedAt: new Date().toISOString(),
          },
          ConditionExpression: 'leaseId = :l',
          ExpressionAttributeValues: { ':l': leaseId },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) return 'SUPERSEDED';
      throw err;
    }
    return 'FAILED';
  }
}

/** Query.myProvisioning: the caller's setup state, read only (what the Studio polls). */
export async function readProvisioning(userId: string): Promise<ProvisioningView | null> {
  const [profile, record] = await Promise.all([getProfile(userId), loadRecord(userId)]);
  if (!profile && !record) return null;
  return view(record, profile, record?.handle ?? null);
}

/** A stream record that starts a run: a provisioning record whose lease changed to a new PROVISIONING one. */
export function runToStart(record: DynamoDBRecord): { userId: string; leaseId: string } | undefined {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  const next = imageOf(record.dynamodb?.NewImage);
  if (!next || next.type !== 'Provisioning' || next.status !== 'PROVISIONING' || typeof next.leaseId !== 'string')
    return undefined;
  const previous = imageOf(record.dynamodb?.OldImage);
  if (previous?.leaseId === next.leaseId) return undefined;
  return { userId: String(next.userId), leaseId: next.leaseId };
}

async function onStream(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    const run = runToStart(record);
    if (!run) continue;
    try {
      await runProvisioning(run.userId, run.leaseId);
    } catch (error) {
      // Only the record's own bookkeeping failed (DynamoDB): redeliver it to the same lease.
      logger.error('provisioning run could not record its outcome', { error: error as Error, ...run });
      failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
    }
  }
  return { batchItemFailures: failures };
}

function isStreamEvent(event: unknown): event is DynamoDBStreamEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records);
}

/** Mutation.provisionMe and Query.myProvisioning (AppSync), or the table stream that starts runs. */
export async function handler(
  event: AppSyncInvokeEvent<{ handle?: string | null }> | DynamoDBStreamEvent,
): Promise<unknown> {
  if (isStreamEvent(event)) return onStream(event);
  const result: AppSyncLambdaResult<ProvisioningView | null> = await toAppSyncResult(
    async () => {
      const caller = cognitoCaller(event.identity);
      if (event.info.fieldName === 'myProvisioning') return readProvisioning(caller.userId);
      return requestProvisioning(caller.userId, event.arguments.handle ?? undefined);
    },
    (error) => logger.error(`${event.info.fieldName} failed`, { error: error as Error }),
  );
  return result;
}
