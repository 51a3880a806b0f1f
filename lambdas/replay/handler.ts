/**
 * Query.replay (AppSync Lambda data source): a recording with its sale moments in offset order and
 * its HLS master playlist URL when playable. When the media sits in an archive tier, asking claims
 * a restore and hands it to the recording-objects worker (one EventBridge event; the worker issues
 * RestoreObject page by page, off this request's 30 s), and the answer is RESTORING with an
 * estimate; restore-completed flips it back to playable and notifies everyone who asked. The URL
 * is a CloudFront signed URL (a custom policy over the recording's prefix), checked by the replay
 * distribution on every playlist and segment (docs/safety.md, "Replays").
 */
import { randomUUID } from 'node:crypto';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ddb, s3 } from '../shared/clients';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult, type AppSyncLambdaResult } from '../shared/errors';
import { observability } from '../shared/logger';
import { enqueueRecordingJob } from '../shared/jobs-bus';
import { idFromUuid } from '../shared/domain/ids';
import {
  availabilityOf,
  MIN_TIERED_OBJECT_BYTES,
  RESTORE_ESTIMATE_SECONDS,
  readyInSeconds,
  restoreMessage,
  type ArchiveTier,
} from '../shared/domain/lifecycle';
import { masterPlaylistKey, publicUrl } from '../shared/domain/recordings';
import { recordingAccess, type RecordingAccess } from '../shared/viewer';
import { WATCH_REFUSALS, type WatchRefusal } from '../shared/domain/audience';
import { readReplayKey } from '../shared/playback-key';
import { replayAccessSeconds, signedQuery, signPolicy, withSignedQuery } from '../shared/domain/signed-urls';
import { recordingKey, recordingSalesPk, restoreRequestKey } from '../shared/domain/keys';

const { logger } = observability('replay');
const TABLE = requireEnv(ENV.TABLE_NAME);
const REPLAY_BASE_URL = requireEnv(ENV.REPLAY_BASE_URL);

const SALES_LIMIT = 500;

const argsSchema = z.object({ recordingId: z.string().min(1).max(64) });

/** What the handler needs of the AppSync identity: a Cognito user (sub) or a guest. */
const identitySchema = z.object({ sub: z.string().optional() }).passthrough().nullish();

export interface ReplayEvent {
  arguments: unknown;
  identity?: unknown;
}

/** READY, RESTORING, UNAVAILABLE; or why the caller may not watch (the audience's refusal, as playbackAccess says it). */
export type ReplayStatus = 'READY' | 'RESTORING' | 'UNAVAILABLE' | Exclude<WatchRefusal, 'PREVIEW'>;

export interface ReplayView {
  recording: Record<string, unknown>;
  status: ReplayStatus;
  playbackUrl: string | null;
  readyInSeconds: number | null;
  message: string | null;
  sales: Record<string, unknown>[];
  /** The channel is 18+: the page asks the viewer's age before it mounts the player. */
  ageRestricted?: boolean;
}

/**
 * The recording's multivariant playlist URL, signed for everything under the recording's prefix
 * until the show's length (and some slack) from now. Without REPLAY_KEY_PAIR_ID the distribution
 * has no signed behavior and the bare URL plays.
 */
async function signedPlaylistUrl(prefix: string, durationMs: unknown, now: Date): Promise<string> {
  const url = publicUrl(REPLAY_BASE_URL, masterPlaylistKey(prefix));
  const keyPairId = optionalEnv(ENV.REPLAY_KEY_PAIR_ID);
  if (!keyPairId) return url;
  const key = await readReplayKey();
  if (!key) throw new DomainError('INTERNAL', 'Replays are not set up yet; please try again in a minute.');
  const expiresAt =
    Math.floor(now.getTime() / 1000) + replayAccessSeconds(typeof durationMs === 'number' ? durationMs : undefined);
  const params = signPolicy(publicUrl(REPLAY_BASE_URL, `${prefix}/*`), expiresAt, {
    keyPairId,
    privateKeyPem: key.privateKeyPem,
  });
  return withSignedQuery(url, signedQuery(params));
}

async function salesOf(recordingId: string): Promise<Record<string, unknown>[]> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk',
      ExpressionAttributeValues: { ':pk': recordingSalesPk(recordingId) },
      ScanIndexForward: true,
      Limit: SALES_LIMIT,
    }),
  );
  return out.Items ?? [];
}

/**
 * The object that tells whether the recording is archived: a media segment big enough for
 * Intelligent-Tiering to archive (playlists and thumbnails under 128 KB never leave Frequent Access).
 */
async function probeKey(bucket: string, prefix: string): Promise<string> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/media/hls/`, MaxKeys: 100 }));
  const objects = out.Contents ?? [];
  const big = objects.find((o) => (o.Size ?? 0) >= MIN_TIERED_OBJECT_BYTES && o.Key);
  const segment = objects.find((o) => o.Key?.endsWith('.ts') || o.Key?.endsWith('.mp4'));
  return big?.Key ?? segment?.Key ?? masterPlaylistKey(prefix);
}

async function rememberRequester(recordingId: string, userId: string | undefined, now: string): Promise<void> {
  if (!userId) return;
  await ddb.send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        ...restoreRequestKey(recordingId, userId),
        type: 'RestoreRequest',
        recordingId,
        userId,
        createdAt: now,
        updatedAt: now,
      },
    }),
  );
}

/**
 * Claims the restore (only one concurrent caller starts it) and hands the objects to the
 * recording-objects worker: one page event, the worker restores page by page and writes how many
 * completions restore-completed must see before the replay is playable. Returns whether this call
 * started it.
 */
async function startRestore(item: Record<string, unknown>, tier: ArchiveTier, now: string): Promise<boolean> {
  const Key = { PK: item.PK, SK: item.SK };
  const jobId = idFromUuid('rst', randomUUID());
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key,
        UpdateExpression:
          'SET restoreStatus = :r, restoreTier = :t, restoreStartedAt = :now, restoreJobId = :job, restorePagesDone = :zero, restoreRequestedCount = :zero, restoredCount = :zero, updatedAt = :now REMOVE restoreObjectCount ADD version :one',
        // A claim older than its tier's estimate is stale (the restore was lost): it may be taken again.
        ConditionExpression: 'attribute_not_exists(restoreStatus) OR restoreStatus <> :r OR restoreStartedAt < :stale',
        ExpressionAttributeValues: {
          ':r': 'RESTORING',
          ':t': tier,
          ':now': now,
          ':job': jobId,
          ':zero': 0,
          ':one': 1,
          ':stale': new Date(Date.parse(now) - RESTORE_ESTIMATE_SECONDS[tier] * 1000).toISOString(),
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
  try {
    await enqueueRecordingJob({
      action: 'RESTORE',
      jobId,
      recordingId: String(item.recordingId),
      bucket: String(item.bucket),
      prefix: String(item.s3Prefix),
      tier,
      page: 0,
    });
  } catch (error) {
    // Release the claim, or every later request would wait for a restore nobody started.
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key,
        UpdateExpression:
          'REMOVE restoreStatus, restoreTier, restoreStartedAt, restoreJobId, restorePagesDone, restoreRequestedCount, restoredCount SET updatedAt = :now ADD version :one',
        ConditionExpression: 'restoreJobId = :job',
        ExpressionAttributeValues: { ':now': now, ':one': 1, ':job': jobId },
      }),
    );
    throw error;
  }
  logger.info('Restore started', { recordingId: item.recordingId, tier, jobId });
  return true;
}

function restoring(
  view: Omit<ReplayView, 'status' | 'playbackUrl' | 'readyInSeconds' | 'message'>,
  tier: ArchiveTier,
  startedAt: string,
  now: Date,
): ReplayView {
  const seconds = readyInSeconds(tier, startedAt, now);
  return { ...view, status: 'RESTORING', playbackUrl: null, readyInSeconds: seconds, message: restoreMessage(seconds) };
}

/** Builds the replay answer for one recording and caller. */
export async function getReplay(
  recordingId: string,
  userId: string | undefined,
  clock: () => Date = () => new Date(),
  access?: (streamerId: string) => Promise<RecordingAccess>,
): Promise<ReplayView> {
  const got = await ddb.send(new GetCommand({ TableName: TABLE, Key: recordingKey(recordingId) }));
  const item = got.Item;
  if (!item || typeof item.state !== 'string')
    throw new DomainError('NOT_FOUND', 'No such recording.', { recordingId });
  // The replay of a followers-only or private channel follows its audience (docs/safety.md): a refused
  // viewer learns whose show it is and why they may not watch, as on the live page, and nothing more.
  const audience = access && typeof item.userId === 'string' ? await access(item.userId) : undefined;
  const ageRestricted = audience?.ageRestricted ?? false;
  const refused = audience?.refusal;
  if (refused) {
    const status = refused === 'PREVIEW' ? 'PRIVATE' : refused;
    return {
      recording: {
        recordingId: item.recordingId,
        userId: item.userId,
        handle: item.handle,
        title: item.title,
        state: item.state,
        startedAt: item.startedAt,
        endedAt: item.endedAt,
        durationMs: item.durationMs,
        saleCount: 0,
        keep: false,
      },
      status,
      playbackUrl: null,
      readyInSeconds: null,
      message: WATCH_REFUSALS[refused],
      sales: [],
      ageRestricted,
    };
  }
  const sales = await salesOf(recordingId);
  // Keys, indexes and bookkeeping stay server-side; the rest maps onto the Recording type.
  const {
    PK: _pk,
    SK: _sk,
    GSI1PK: _g1,
    GSI1SK: _g1s,
    GSI2PK: _g2,
    GSI2SK: _g2s,
    GSI3PK: _g3,
    GSI3SK: _g3s,
    saleIds: _ids,
    version: _v,
    restoreJobId: _job,
    restorePagesDone: _pages,
    restoreRequestedCount: _requested,
    ...recording
  } = item;
  const base = { recording, sales, ageRestricted };
  if (item.state === 'RECORDING') {
    return {
      ...base,
      status: 'UNAVAILABLE',
      playbackUrl: null,
      readyInSeconds: null,
      message: 'This show is still live; the replay is available when it ends.',
    };
  }
  if (item.state === 'FAILED') {
    return {
      ...base,
      status: 'UNAVAILABLE',
      playbackUrl: null,
      readyInSeconds: null,
      message: 'The recording of this show failed.',
    };
  }
  const now = clock();
  const nowIso = now.toISOString();
  const prefix = String(item.s3Prefix);
  const restoreTier = (item.restoreTier as ArchiveTier | undefined) ?? 'ARCHIVE_ACCESS';
  const overdue =
    typeof item.restoreStartedAt === 'string' &&
    now.getTime() - Date.parse(item.restoreStartedAt) > RESTORE_ESTIMATE_SECONDS[restoreTier] * 1000;
  if (item.restoreStatus === 'RESTORING' && typeof item.restoreStartedAt === 'string' && !overdue) {
    await rememberRequester(recordingId, userId, nowIso);
    return restoring(base, restoreTier, item.restoreStartedAt, now);
  }
  const key = await probeKey(String(item.bucket), prefix);
  const head = await s3.send(new HeadObjectCommand({ Bucket: String(item.bucket), Key: key }));
  const availability = availabilityOf(head);
  if (item.restoreStatus === 'RESTORING' && availability.kind === 'AVAILABLE') {
    // Past its estimate and the media is back, but the completion events went missing: settle it here.
    await ddb
      .send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { PK: item.PK, SK: item.SK },
          UpdateExpression: 'SET restoreStatus = :ready, restoredAt = :now, updatedAt = :now ADD version :one',
          ConditionExpression: 'restoreStatus = :restoring',
          ExpressionAttributeValues: { ':ready': 'READY', ':restoring': 'RESTORING', ':now': nowIso, ':one': 1 },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  } else if (item.restoreStatus === 'RESTORING' && availability.kind === 'RESTORING') {
    await rememberRequester(recordingId, userId, nowIso);
    return restoring(base, availability.tier, nowIso, now);
  } else if (availability.kind !== 'AVAILABLE') {
    // Remembered first: with nothing archived after all, the worker settles and notifies within seconds.
    await rememberRequester(recordingId, userId, nowIso);
    // Started here or by a concurrent request: either way the worker is on it.
    await startRestore(item, availability.tier, nowIso);
    return restoring(base, availability.tier, nowIso, now);
  }
  return {
    ...base,
    status: 'READY',
    playbackUrl: await signedPlaylistUrl(prefix, item.durationMs, now),
    readyInSeconds: null,
    message: null,
  };
}

export const handler = async (event: ReplayEvent): Promise<AppSyncLambdaResult<ReplayView>> =>
  toAppSyncResult(
    async () => {
      const args = argsSchema.safeParse(event.arguments);
      if (!args.success)
        throw new DomainError('VALIDATION', 'Say which replay: a recordingId of at most 64 characters is required.', {
          issues: args.error.issues.map((i) => i.message),
        });
      const identity = identitySchema.safeParse(event.identity);
      const userId = identity.success ? identity.data?.sub : undefined;
      return getReplay(args.data.recordingId, userId, undefined, (streamerId) =>
        recordingAccess(event.identity, streamerId),
      );
    },
    (error) => logger.error('Replay failed', { error: String(error) }),
  );
