/**
 * Stream reports (issue 17, docs/analytics.md).
 * - AppSync (owner only): `streamReport` (the stored final report, or a live one from the counters),
 *   `myStreamReports`, `creatorAnalytics`.
 * - Every minute (schedule): for each live stream, viewer milestones from the live counters, a
 *   snapshot at every 5-minute mark, and a pending mark; for each pending stream that ended: once
 *   the late-event grace has passed, its report from the live counters, stored (`final: false`, so
 *   the streamer has the report within a minute of the end); once Firehose's buffer has also landed
 *   every event (the settle time), the final report from the named queries (Athena in AWS, DuckDB
 *   locally), which replaces it.
 */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../shared/clients';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult } from '../shared/errors';
import { cognitoCaller, idArgument, type AppSyncInvokeEvent } from '../shared/appsync-event';
import { observability } from '../shared/logger';
import { emitViewerMilestone } from '../shared/viewer-milestones';
import { latestSnapshotMark, reportKey, snapshotKey } from '../shared/domain/analytics-live';
import { LATE_EVENT_GRACE_MS } from '../shared/domain/analytics-events';
import {
  buildStreamReport,
  figuresFromLive,
  figuresFromQueries,
  type PlatformFigures,
  type ReportSnapshot,
  type StreamReport,
  type ViewerFigures,
} from '../shared/domain/analytics-report';
import { milestonesCrossed } from '../shared/domain/stream-state';
import { LIVE_PK, userFollowersPk, userStreamsPk } from '../shared/domain/keys';
import type { Profile } from '../shared/domain/streamers';
import { runNamedQuery } from './athena';
import {
  chatMessages,
  followerGain,
  getProfile,
  getSession,
  getStoredReport,
  gifts,
  liveTotals,
  productTitles,
  queryAll,
  sales,
  snapshots,
  type StreamSessionItem,
} from './sources';

const { logger } = observability('analytics-reports');

/** Streams whose final report is still to be built: `ANALYTICS#PENDING` / `<streamId>`. */
const PENDING_PK = 'ANALYTICS#PENDING';
const DEFAULT_CURRENCY = 'USD';
export const MAX_CREATOR_DAYS = 90;

/** The platform's side of a report (everything but the viewer events). */
async function platformFigures(
  session: StreamSessionItem,
  profile: Profile | undefined,
  viewerProducts: readonly string[],
  nowMs: number,
): Promise<PlatformFigures> {
  const startedAt = session.startedAt ?? new Date(nowMs).toISOString();
  const endedAt = session.endedAt ?? null;
  const until = endedAt ?? new Date(nowMs).toISOString();
  const [soldItems, giftFigures, chat, follows, snaps] = await Promise.all([
    sales(session.streamId),
    gifts(session.streamId),
    chatMessages(session.userId, startedAt, until),
    followerGain(session.userId, startedAt, until),
    snapshots(session.streamId),
  ]);
  const sold = new Set(soldItems.map((s) => s.productId));
  return {
    streamId: session.streamId,
    channelId: session.userId,
    title: session.title ?? profile?.title ?? null,
    startedAt,
    endedAt,
    live: !endedAt,
    sales: soldItems,
    giftCoins: giftFigures.coins,
    topGifters: giftFigures.top,
    chatMessages: chat,
    followerGain: follows,
    productTitles: await productTitles(viewerProducts.filter((id) => !sold.has(id))),
    snapshots: snaps,
    defaultCurrency: DEFAULT_CURRENCY,
  };
}

/** Viewer figures from the events in S3 (named queries): exact. */
export async function queriedFigures(streamId: string, purchaseSessions: readonly string[]): Promise<ViewerFigures> {
  const [totals, concurrency, products, attribution] = await Promise.all([
    runNamedQuery('stream-totals', [streamId]),
    runNamedQuery('stream-concurrency', [streamId]),
    runNamedQuery('stream-products', [streamId]),
    purchaseSessions.length
      ? runNamedQuery('stream-attribution', [streamId, purchaseSessions.join(',')])
      : Promise.resolve([]),
  ]);
  return figuresFromQueries({ totals, concurrency, products, attribution });
}

/** A live report from the counters (also what an ended stream shows until its final report is stored). */
export async function liveReport(session: StreamSessionItem, nowMs: number): Promise<StreamReport> {
  const [viewers, profile] = await Promise.all([
    liveTotals(session.streamId).then(figuresFromLive),
    getProfile(session.userId),
  ]);
  const platform = await platformFigures(
    session,
    profile,
    viewers.products.map((p) => p.productId),
    nowMs,
  );
  return buildStreamReport(viewers, platform, nowMs);
}

/** Builds and stores the final report of an ended stream (idempotent: a rebuild overwrites it with the same figures). */
export async function finalizeStream(streamId: string, nowMs = Date.now()): Promise<StreamReport | undefined> {
  const session = await getSession(streamId);
  if (!session?.endedAt) return undefined;
  const [profile, soldItems] = await Promise.all([getProfile(session.userId), sales(streamId)]);
  const purchaseSessions = [
    ...new Set(soldItems.map((s) => s.viewSessionId).filter((s): s is string => !!s && /^[0-9a-f-]{36}$/i.test(s))),
  ];
  const viewers = await queriedFigures(streamId, purchaseSessions);
  const report = buildStreamReport(
    viewers,
    await platformFigures(
      session,
      profile,
      viewers.products.map((p) => p.productId),
      nowMs,
    ),
    nowMs,
  );
  await storeReport(report, true);
  return report;
}

async function storeReport(report: StreamReport, final: boolean): Promise<void> {
  await ddb.send(
    new PutCommand({
      TableName: requireEnv(ENV.TABLE_NAME),
      Item: {
        ...reportKey(report.streamId),
        type: 'StreamReport',
        report,
        final,
        channelId: report.channelId,
        startedAt: report.startedAt,
        views: report.views,
        peakConcurrent: report.peakConcurrent,
        salesRevenueMinor: report.salesRevenueMinor,
        updatedAt: report.generatedAt,
      },
    }),
  );
}

/** The milestones, snapshot and pending mark of one live stream. */
async function tickLive(profile: Profile, nowMs: number): Promise<void> {
  const streamId = profile.currentStreamId;
  if (!streamId) return;
  const table = requireEnv(ENV.TABLE_NAME);
  await ddb.send(
    new PutCommand({
      TableName: table,
      Item: {
        PK: PENDING_PK,
        SK: streamId,
        streamId,
        channelId: profile.userId,
        createdAt: new Date(nowMs).toISOString(),
      },
    }),
  );
  const totals = await liveTotals(streamId);
  const peak = Math.max(0, ...totals.perMinute.map((p) => p.viewers));
  for (const milestone of milestonesCrossed(0, peak)) {
    await emitViewerMilestone({
      streamId,
      channelId: profile.userId,
      handle: profile.handle,
      channelArn: profile.channelArn,
      chatRoomArn: profile.chatRoomArn,
      milestone,
      viewers: peak,
      source: 'analytics',
      at: new Date(nowMs),
    });
  }
  const session = await getSession(streamId);
  const mark = session?.startedAt ? latestSnapshotMark(Date.parse(session.startedAt), nowMs) : undefined;
  if (!session || !mark) return;
  const report = await liveReport(session, nowMs);
  const snapshot: ReportSnapshot = {
    at: mark,
    concurrent: report.concurrency.at(-1)?.viewers ?? 0,
    views: report.views,
    likes: report.likes,
    revenueMinor: report.salesRevenueMinor,
  };
  try {
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: { ...snapshotKey(streamId, mark), type: 'ReportSnapshot', snapshot },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
  }
}

/** One scheduled run. */
export async function tick(nowMs = Date.now()): Promise<{ live: number; finalized: number }> {
  const table = requireEnv(ENV.TABLE_NAME);
  const settleMs = Number(optionalEnv(ENV.ANALYTICS_SETTLE_SECONDS) ?? '90') * 1000;
  const live = await queryAll<Profile>({
    IndexName: 'GSI1',
    KeyConditionExpression: 'GSI1PK = :live',
    ExpressionAttributeValues: { ':live': LIVE_PK },
  });
  for (const profile of live) {
    try {
      await tickLive(profile, nowMs);
    } catch (error) {
      logger.error('live analytics tick failed', { error: error as Error, userId: profile.userId });
    }
  }
  let finalized = 0;
  for (const pending of await queryAll({
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': PENDING_PK },
  })) {
    const streamId = pending.SK as string;
    try {
      const session = await getSession(streamId);
      const sinceEnd = session?.endedAt ? nowMs - Date.parse(session.endedAt) : -1;
      if (session?.endedAt && sinceEnd < settleMs) {
        // Every event the endpoint accepted is counted by now; Athena's copy may still be in Firehose's buffer.
        if (sinceEnd >= LATE_EVENT_GRACE_MS && !(await getStoredReport(streamId)))
          await storeReport(await liveReport(session, nowMs), false);
        continue;
      }
      if (session?.endedAt) {
        await finalizeStream(streamId, nowMs);
        finalized += 1;
      }
      if (!session || session.endedAt)
        await ddb.send(new DeleteCommand({ TableName: table, Key: { PK: PENDING_PK, SK: streamId } }));
    } catch (error) {
      logger.error('final report failed; retried next run', { error: error as Error, streamId });
    }
  }
  return { live: live.length, finalized };
}

// AppSync fields.

async function ownedSession(userId: string, streamId: string): Promise<StreamSessionItem | null> {
  const session = await getSession(streamId);
  if (!session) return null;
  if (session.userId !== userId) throw new DomainError('FORBIDDEN', "Only the streamer sees a stream's report.");
  return session;
}

export async function streamReport(userId: string, streamId: string, nowMs = Date.now()): Promise<StreamReport | null> {
  const session = await ownedSession(userId, streamId);
  if (!session) return null;
  const stored = await getStoredReport(streamId);
  if (stored) return stored;
  return liveReport(session, nowMs);
}

const encodeToken = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
function decodeToken(token: string | null | undefined): Record<string, unknown> | undefined {
  if (!token) return undefined;
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new DomainError(
      'VALIDATION',
      'This page link has expired or was not made by this list; start again from the first page.',
    );
  }
}

export async function myStreamReports(
  userId: string,
  limit: number,
  nextToken: string | null | undefined,
  nowMs = Date.now(),
) {
  if (!Number.isInteger(limit) || limit < 1 || limit > 50)
    throw new DomainError('VALIDATION', 'Ask for between 1 and 50 streams at a time (limit).');
  const page = await ddb.send(
    new QueryCommand({
      TableName: requireEnv(ENV.TABLE_NAME),
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': userStreamsPk(userId) },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: decodeToken(nextToken),
    }),
  );
  const sessions = ((page.Items ?? []) as StreamSessionItem[]).filter((s) => s.startedAt);
  const items = await Promise.all(
    sessions.map(async (s) => {
      const report = (await getStoredReport(s.streamId)) ?? (await liveReport(s, nowMs));
      return {
        streamId: s.streamId,
        title: report.title,
        startedAt: report.startedAt,
        endedAt: report.endedAt,
        views: report.views,
        peakConcurrent: report.peakConcurrent,
        salesRevenueMinor: report.salesRevenueMinor,
      };
    }),
  );
  return { items, nextToken: encodeToken(page.LastEvaluatedKey) };
}

export async function creatorAnalytics(userId: string, days: number, nowMs = Date.now()) {
  if (!Number.isInteger(days) || days < 1 || days > MAX_CREATOR_DAYS)
    throw new DomainError('VALIDATION', `Ask for between 1 and ${MAX_CREATOR_DAYS} days (days).`);
  const today = Math.floor(nowMs / 86_400_000);
  const since = new Date((today - days + 1) * 86_400_000).toISOString();
  const dates = Array.from({ length: days }, (_, i) =>
    new Date((today - days + 1 + i) * 86_400_000).toISOString().slice(0, 10),
  );
  const byDate = new Map(
    dates.map((date) => [date, { date, views: 0, watchHours: 0, salesRevenueMinor: 0, giftCoins: 0, followers: 0 }]),
  );
  const [sessions, follows] = await Promise.all([
    queryAll<StreamSessionItem>({
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK >= :since',
      ExpressionAttributeValues: { ':pk': userStreamsPk(userId), ':since': since },
    }),
    queryAll({
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK >= :since',
      ExpressionAttributeValues: { ':pk': userFollowersPk(userId), ':since': since },
      ProjectionExpression: 'GSI1SK',
    }),
  ]);
  for (const s of sessions) {
    const day = byDate.get((s.startedAt ?? '').slice(0, 10));
    if (!day) continue;
    const report = (await getStoredReport(s.streamId)) ?? (await liveReport(s, nowMs));
    day.views += report.views;
    day.watchHours = Math.round((day.watchHours + report.watchHours) * 1000) / 1000;
    day.salesRevenueMinor += report.salesRevenueMinor;
    day.giftCoins += report.giftCoins;
  }
  for (const f of follows) {
    const day = byDate.get(String(f.GSI1SK).slice(0, 10));
    if (day) day.followers += 1;
  }
  return [...byDate.values()];
}

type Args = { streamId?: unknown; limit?: unknown; nextToken?: unknown; days?: unknown };

/** AppSync Lambda data source, or the schedule's event. */
export async function handler(event: AppSyncInvokeEvent<Args> | { source?: string; 'detail-type'?: string }) {
  if (!('info' in event)) return tick();
  return toAppSyncResult(
    async () => {
      const me = cognitoCaller(event.identity);
      const args = event.arguments;
      switch (event.info.fieldName) {
        case 'streamReport':
          return streamReport(me.userId, idArgument(args.streamId, 'streamId'));
        case 'myStreamReports':
          return myStreamReports(
            me.userId,
            args.limit == null ? 20 : Number(args.limit),
            typeof args.nextToken === 'string' ? args.nextToken : null,
          );
        case 'creatorAnalytics':
          return creatorAnalytics(me.userId, args.days == null ? 30 : Number(args.days));
        default:
          throw new DomainError('VALIDATION', `Unknown analytics field ${event.info.fieldName}.`);
      }
    },
    (error) => logger.error('analytics field failed', { error: error as Error }),
  );
}
