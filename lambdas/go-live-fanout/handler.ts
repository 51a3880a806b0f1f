/**
 * One go-live alert per stream session.
 *
 * On Stream Start: a conditional update claims `STREAM#<id>`/`ALERTED` (duplicate events stop
 * there), the email fan-out is started (a progress item and a first "Go-Live Email Page" event),
 * then every follower gets an in-app notification (batch writes of 25, bounded parallelism,
 * UnprocessedItems retried) pushed with publishNotification. A run that fails releases its claim so
 * the retry finishes the job; notification ids derive from (stream, follower), so rewriting is harmless.
 *
 * Email: each "Go-Live Email Page" event sends pages of at most 50 opted-in followers (sparse GSI2
 * `USER#<streamer>#EMAIL_ALERTS`) with one SES SendBulkEmail each, paced to ALERT_EMAIL_RATE, and
 * puts the event for the next page on the bus before its time runs out. A page is claimed by a
 * conditional update of the progress item (`nextPage` = this page) before it is sent, so a
 * duplicate or retried event never sends a page twice; a send that fails as a whole rewinds the
 * claim and rethrows for the retry. See docs/scaling.md.
 */
import {
  SendBulkEmailCommand,
  SESv2Client,
  type BulkEmailEntry,
  type BulkEmailEntryResult,
} from '@aws-sdk/client-sesv2';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ddb } from '../shared/clients';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { putJobEvent } from '../shared/jobs-bus';
import { publish } from '../shared/appsync-publish';
import { observability } from '../shared/logger';
import {
  chunk,
  EMAIL_PAGE_EVENT,
  goLiveMessage,
  goLiveNotificationId,
  mapLimit,
  MAX_BULK_DESTINATIONS,
  NOTIFICATION_TTL_SECONDS,
  unsubscribeUrl,
} from '../shared/domain/alerts';
import type { Profile } from '../shared/domain/streamers';
import { GO_PUBLIC_EVENT, type AudienceFields } from '../shared/domain/audience';
import {
  alertedKey,
  channelArnIndexKey,
  emailProgressKey,
  notificationKey,
  profileKey,
  userEmailAlertsPk,
  userFollowersPk,
  userIdOfPartition,
} from '../shared/domain/keys';

const { logger } = observability('go-live-fanout');
// Built here rather than in shared/clients so no other function bundles it.
const sesv2 = new SESv2Client({});

/** Parallel BatchWriteItem calls in flight (each 25 items). */
export const WRITE_CONCURRENCY = 8;
/** Parallel publishNotification calls in flight. */
export const PUBLISH_CONCURRENCY = 16;
const MAX_BATCH_ATTEMPTS = 8;

export const PUBLISH_NOTIFICATION = /* GraphQL */ `
  mutation PublishNotification($input: PublishNotificationInput!) {
    publishNotification(input: $input) {
      notificationId
      userId
      kind
      title
      body
      link
      createdAt
      read
    }
  }
`;

interface GoLiveEvent {
  id: string;
  source: string;
  time: string;
  resources: string[];
  detail: { event_name: string; stream_id: string };
}

interface Marker {
  state: 'IN_PROGRESS' | 'DONE';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `requests` (≤ 25) and retries UnprocessedItems with exponential backoff and jitter. */
export async function batchWriteAll(table: string, requests: Record<string, unknown>[]): Promise<void> {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed`);
    if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));
    const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    pending = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
  }
}

async function claim(table: string, streamId: string, userId: string): Promise<Marker | undefined> {
  try {
    // An update, not a put: a released claim keeps what the failed run recorded.
    const { Attributes } = await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: alertedKey(streamId),
        UpdateExpression:
          'SET #state = :inProgress, #type = :type, userId = :uid, createdAt = if_not_exists(createdAt, :now), updatedAt = :now',
        ConditionExpression: 'attribute_not_exists(PK) OR #state = :released',
        ExpressionAttributeNames: { '#state': 'state', '#type': 'type' },
        ExpressionAttributeValues: {
          ':inProgress': 'IN_PROGRESS',
          ':released': 'RELEASED',
          ':type': 'GoLiveAlert',
          ':uid': userId,
          ':now': new Date().toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as Marker;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

async function setMarker(table: string, streamId: string, values: Record<string, unknown>): Promise<void> {
  const names: Record<string, string> = {};
  const vals: Record<string, unknown> = {};
  const sets = Object.entries(values).map(([k, v], i) => {
    names[`#k${i}`] = k;
    vals[`:v${i}`] = v;
    return `#k${i} = :v${i}`;
  });
  await ddb.send(
    new UpdateCommand({
      TableName: table,
      Key: alertedKey(streamId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: vals,
    }),
  );
}

export interface FanoutResult {
  status: 'SENT' | 'ALREADY_SENT' | 'UNKNOWN_CHANNEL' | 'PREVIEW';
  followers: number;
}

/**
 * Sends the alerts for one Stream Start, or for a Go public (`public`): a stream that starts in
 * Preview alerts nobody until its owner goes public (lambdas/playback).
 */
export async function fanOut(event: GoLiveEvent, opts: { public?: boolean } = {}): Promise<FanoutResult> {
  const table = requireEnv(ENV.TABLE_NAME);
  const channelArn = event.resources[0];
  const { GSI2PK, GSI2SK } = channelArnIndexKey(String(channelArn));
  const { Items } = await ddb.send(
    new QueryCommand({
      TableName: table,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK = :sk',
      ExpressionAttributeValues: { ':pk': GSI2PK, ':sk': GSI2SK },
    }),
  );
  const stub = Items?.[0] as Profile | undefined;
  if (!stub) return { status: 'UNKNOWN_CHANNEL', followers: 0 };
  const { Item } = await ddb.send(new GetCommand({ TableName: table, Key: profileKey(stub.userId) }));
  const profile = (Item ?? stub) as Profile & AudienceFields;
  if (!opts.public && profile.startInPreview) return { status: 'PREVIEW', followers: 0 };

  const streamId = event.detail.stream_id;
  if (!(await claim(table, streamId, profile.userId))) return { status: 'ALREADY_SENT', followers: 0 };

  try {
    const message = goLiveMessage({
      handle: profile.handle,
      displayName: profile.displayName,
      title: profile.title,
      goingLiveMessage: profile.goingLiveMessage,
      webUrl: requireEnv(ENV.WEB_URL),
    });
    await startEmails(table, streamId, profile, message);

    const createdAt = new Date(event.time).toISOString();
    const expiresAt = Math.floor(Date.parse(createdAt) / 1000) + NOTIFICATION_TTL_SECONDS;
    let followers = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'GSI1',
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': userFollowersPk(profile.userId) },
          ProjectionExpression: 'followerId, PK',
          ExclusiveStartKey: startKey,
        }),
      );
      startKey = page.LastEvaluatedKey;
      const followerIds = (page.Items ?? []).map(
        (i) => (i.followerId as string | undefined) ?? userIdOfPartition(String(i.PK)),
      );
      followers += followerIds.length;
      const notifications = followerIds.map((userId) => ({
        notificationId: goLiveNotificationId(streamId, userId),
        userId,
        kind: 'GO_LIVE' as const,
        title: message.subject,
        body: message.body,
        link: message.link,
        createdAt,
      }));
      await mapLimit(chunk(notifications, 25), WRITE_CONCURRENCY, (batch) =>
        batchWriteAll(
          table,
          batch.map((n) => ({
            PutRequest: {
              Item: {
                ...notificationKey(n.userId, n.createdAt, n.notificationId),
                type: 'Notification',
                ...n,
                read: false,
                streamerId: profile.userId,
                expiresAt,
                updatedAt: createdAt,
              },
            },
          })),
        ),
      );
      await mapLimit(notifications, PUBLISH_CONCURRENCY, async (n) => {
        try {
          await publish(PUBLISH_NOTIFICATION, { input: n });
        } catch (error) {
          // The inbox item is written; a missed push shows on the next inbox read.
          logger.warn('publishNotification failed', { error: error as Error, userId: n.userId });
        }
      });
    } while (startKey);

    await setMarker(table, streamId, { state: 'DONE', followers, finishedAt: new Date().toISOString() });
    logger.info('go-live alerts sent', { streamId, followers });
    return { status: 'SENT', followers };
  } catch (error) {
    await setMarker(table, streamId, { state: 'RELEASED' }).catch(() => undefined);
    throw error;
  }
}

/** Milliseconds an invocation keeps in hand for one more page (query, claim, send with retries, pacing). */
export const STEP_RESERVE_MS = 30_000;
/** SendBulkEmail attempts for entries SES answers as throttled or transiently failed. */
export const MAX_SEND_ATTEMPTS = 5;
/** Messages per second one stream's fan-out sends when ALERT_EMAIL_RATE is unset. */
export const DEFAULT_EMAIL_RATE = 10;
const RETRYABLE: ReadonlySet<string> = new Set(['ACCOUNT_THROTTLED', 'TRANSIENT_FAILURE']);

/** The email fan-out of one stream session: what every page sends, and how far it got. */
interface EmailProgress {
  streamerId: string;
  name: string;
  subject: string;
  body: string;
  link: string;
  /** The page the next event must carry; a page is sent only by the run that moved this past it. */
  nextPage: number;
  /** The GSI2 ExclusiveStartKey of `nextPage`, as JSON; absent for the first page. */
  cursor?: string;
  state: 'SENDING' | 'DONE';
  sent?: number;
  failed?: number;
}

interface OptIn {
  userId: string;
  emailAddress?: string;
  unsubscribeToken?: string;
  email?: boolean;
}

const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

async function putPageEvent(streamId: string, page: number): Promise<void> {
  await putJobEvent({
    source: EMAIL_PAGE_EVENT.source,
    detailType: EMAIL_PAGE_EVENT.detailType,
    detail: { prefix: requireEnv(ENV.RESOURCE_TAG), streamId, page },
    what: `go-live e-mail page ${page} of ${streamId}`,
  });
}

/** Creates the stream's email progress once and puts the event for the page it stands at. */
async function startEmails(
  table: string,
  streamId: string,
  profile: Profile,
  message: { subject: string; body: string; link: string },
): Promise<void> {
  const now = new Date().toISOString();
  const fresh: EmailProgress & Record<string, unknown> = {
    ...emailProgressKey(streamId),
    type: 'GoLiveEmailProgress',
    streamerId: profile.userId,
    name: profile.displayName ?? profile.handle,
    ...message,
    nextPage: 0,
    state: 'SENDING',
    sent: 0,
    failed: 0,
    createdAt: now,
    updatedAt: now,
  };
  let progress: EmailProgress = fresh;
  try {
    await ddb.send(new PutCommand({ TableName: table, Item: fresh, ConditionExpression: 'attribute_not_exists(PK)' }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // A retried Stream Start: resume where the fan-out stands (a page already claimed is not sent again).
    const { Item } = await ddb.send(
      new GetCommand({ TableName: table, Key: emailProgressKey(streamId), ConsistentRead: true }),
    );
    progress = Item as EmailProgress;
  }
  if (progress.state !== 'DONE') await putPageEvent(streamId, progress.nextPage);
}

/** Moves `nextPage` past `page` (the claim of `page`); false when another run got there first. */
async function claimPage(
  table: string,
  streamId: string,
  page: number,
  nextCursor: string | undefined,
): Promise<boolean> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: emailProgressKey(streamId),
        UpdateExpression: `SET nextPage = :next, #state = :state, updatedAt = :now${nextCursor ? ', #cursor = :cursor' : ' REMOVE #cursor'}`,
        ConditionExpression: 'nextPage = :page',
        ExpressionAttributeNames: { '#state': 'state', '#cursor': 'cursor' },
        ExpressionAttributeValues: {
          ':page': page,
          ':next': page + 1,
          ':state': nextCursor ? 'SENDING' : 'DONE',
          ':now': new Date().toISOString(),
          ...(nextCursor ? { ':cursor': nextCursor } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Gives `page` back after a send that failed as a whole, so the retried event sends it. */
async function rewindPage(table: string, streamId: string, page: number, cursor: string | undefined): Promise<void> {
  await ddb.send(
    new UpdateCommand({
      TableName: table,
      Key: emailProgressKey(streamId),
      UpdateExpression: `SET nextPage = :page, #state = :sending, updatedAt = :now${cursor ? ', #cursor = :cursor' : ' REMOVE #cursor'}`,
      ConditionExpression: 'nextPage = :next',
      ExpressionAttributeNames: { '#state': 'state', '#cursor': 'cursor' },
      ExpressionAttributeValues: {
        ':page': page,
        ':next': page + 1,
        ':sending': 'SENDING',
        ':now': new Date().toISOString(),
        ...(cursor ? { ':cursor': cursor } : {}),
      },
    }),
  );
}

/**
 * One SendBulkEmail for up to 50 opt-ins; entries SES answers as throttled or transiently failed are
 * sent again with backoff. Answers how many SES accepted and how many it refused for good.
 */
export async function sendBulk(
  progress: EmailProgress,
  optIns: readonly OptIn[],
): Promise<{ sent: number; failed: number }> {
  const base = requireEnv(ENV.UNSUBSCRIBE_URL);
  const data = { subject: progress.subject, body: progress.body, link: progress.link, name: progress.name };
  let pending: BulkEmailEntry[] = optIns.map((o) => {
    const url = unsubscribeUrl(base, o.userId, progress.streamerId, o.unsubscribeToken!);
    return {
      Destination: { ToAddresses: [o.emailAddress!] },
      // Every field per entry: SES applies default template data only where an entry has none.
      ReplacementEmailContent: {
        ReplacementTemplate: { ReplacementTemplateData: JSON.stringify({ ...data, unsubscribeUrl: url }) },
      },
      ReplacementHeaders: [{ Name: 'List-Unsubscribe', Value: `<${url}>` }],
    };
  });
  let sent = 0;
  let failed = 0;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= MAX_SEND_ATTEMPTS) {
      failed += pending.length;
      logger.error('go-live emails still throttled after retries', { count: pending.length });
      break;
    }
    if (attempt > 0) await sleep(Math.min(16_000, 1000 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
    const configurationSet = optionalEnv(ENV.SES_CONFIGURATION_SET);
    const out = await sesv2.send(
      new SendBulkEmailCommand({
        FromEmailAddress: requireEnv(ENV.ALERT_FROM_ADDRESS),
        ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
        DefaultContent: {
          Template: {
            TemplateName: requireEnv(ENV.ALERT_EMAIL_TEMPLATE),
            TemplateData: JSON.stringify({ ...data, unsubscribeUrl: progress.link }),
            Headers: [{ Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' }],
          },
        },
        BulkEmailEntries: pending,
      }),
    );
    const results: BulkEmailEntryResult[] = out.BulkEmailEntryResults ?? [];
    const retry: BulkEmailEntry[] = [];
    pending.forEach((entry, i) => {
      const status = results[i]?.Status ?? 'FAILED';
      if (status === 'SUCCESS') sent++;
      else if (RETRYABLE.has(status)) retry.push(entry);
      else {
        failed++;
        logger.warn('go-live email refused', { status, error: results[i]?.Error });
      }
    });
    pending = retry;
  }
  return { sent, failed };
}

/** What one page event's run did: finished the stream's emails, handed on to a new event, or found nothing to do. */
export interface EmailPageResult {
  status: 'DONE' | 'CONTINUED' | 'SKIPPED';
  page: number;
  sent: number;
}

/** Sends pages from `page` on while time remains, then hands the next page to a new event. */
export async function sendEmailPages(
  streamId: string,
  page: number,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<EmailPageResult> {
  const table = requireEnv(ENV.TABLE_NAME);
  const { Item } = await ddb.send(
    new GetCommand({ TableName: table, Key: emailProgressKey(streamId), ConsistentRead: true }),
  );
  const progress = Item as EmailProgress | undefined;
  // Unknown stream, finished, or a duplicate/stale event: the run that claimed the page sends it.
  if (!progress || progress.state === 'DONE' || progress.nextPage !== page) return { status: 'SKIPPED', page, sent: 0 };
  const rate = Number(optionalEnv(ENV.ALERT_EMAIL_RATE) ?? DEFAULT_EMAIL_RATE);
  let cursor = progress.cursor;
  let sent = 0;
  for (;;) {
    if (context.getRemainingTimeInMillis() < STEP_RESERVE_MS) {
      await putPageEvent(streamId, page);
      return { status: 'CONTINUED', page, sent };
    }
    const started = Date.now();
    const out = await ddb.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk',
        ExpressionAttributeValues: { ':pk': userEmailAlertsPk(progress.streamerId) },
        Limit: MAX_BULK_DESTINATIONS,
        ...(cursor ? { ExclusiveStartKey: JSON.parse(cursor) as Record<string, unknown> } : {}),
      }),
    );
    const nextCursor = out.LastEvaluatedKey ? JSON.stringify(out.LastEvaluatedKey) : undefined;
    if (!(await claimPage(table, streamId, page, nextCursor))) return { status: 'SKIPPED', page, sent };
    const optIns = ((out.Items ?? []) as OptIn[]).filter(
      (o) => o.email === true && o.emailAddress && o.unsubscribeToken,
    );
    if (optIns.length > 0) {
      let result: { sent: number; failed: number };
      try {
        result = await sendBulk(progress, optIns);
      } catch (error) {
        await rewindPage(table, streamId, page, cursor);
        throw error;
      }
      sent += result.sent;
      await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: emailProgressKey(streamId),
          UpdateExpression: 'ADD sent :sent, failed :failed',
          ExpressionAttributeValues: { ':sent': result.sent, ':failed': result.failed },
        }),
      );
    }
    page++;
    cursor = nextCursor;
    if (!nextCursor) {
      logger.info('go-live emails sent', { streamId, pages: page });
      return { status: 'DONE', page, sent };
    }
    // Stay within this stream's share of the account's SES sending rate.
    const due = started + (optIns.length / rate) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
}

const emailPageSchema = z.object({
  source: z.literal(EMAIL_PAGE_EVENT.source),
  detail: z.object({ prefix: z.string(), streamId: z.string().min(1), page: z.number().int().min(0) }),
});

/** EventBridge target for Stream Start and for the fan-out's own "Go-Live Email Page" events. */
/** Go public's event (lambdas/playback): the stream whose Preview ended. */
const goPublicSchema = z.object({
  detail: z.object({ prefix: z.string(), channelArn: z.string().min(1), streamId: z.string().min(1) }),
});

export async function handler(
  event: GoLiveEvent | { source: string; detail: unknown },
  context: Context,
): Promise<FanoutResult | EmailPageResult> {
  if (event.source === EMAIL_PAGE_EVENT.source) {
    const { detail } = emailPageSchema.parse(event);
    // Pages travel on the stage's own bus; the prefix check still refuses a page put by mistake elsewhere.
    if (detail.prefix !== requireEnv(ENV.RESOURCE_TAG)) return { status: 'SKIPPED', page: detail.page, sent: 0 };
    return sendEmailPages(detail.streamId, detail.page, context);
  }
  if (event.source === GO_PUBLIC_EVENT.source) {
    const { detail } = goPublicSchema.parse(event);
    if (detail.prefix !== requireEnv(ENV.RESOURCE_TAG)) return { status: 'UNKNOWN_CHANNEL', followers: 0 };
    return fanOut(
      {
        id: detail.streamId,
        source: event.source,
        time: new Date().toISOString(),
        resources: [detail.channelArn],
        detail: { event_name: 'Stream Start', stream_id: detail.streamId },
      },
      { public: true },
    );
  }
  const goLive = event as GoLiveEvent;
  if (goLive.detail?.event_name !== 'Stream Start') return { status: 'ALREADY_SENT', followers: 0 };
  return fanOut(goLive);
}
