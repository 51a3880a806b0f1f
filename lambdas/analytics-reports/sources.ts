/**
 * What the report reads from the main table: the stream session and its channel's profile, the
 * stream's sales (with the viewing session each was attributed to), gift revenue and top gifters
 * from the economy's per-stream tallies, chat messages sent during the stream (chat history), new
 * followers during it, the live counters, snapshots, and the stored report.
 */
import { BatchGetCommand, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import {
  chatLogPartition,
  profileKey,
  productKey,
  SK_PREFIX,
  streamPartition,
  streamSalesPk,
  streamSessionKey,
  userFollowersPk,
} from '../shared/domain/keys';
import {
  liveCountersPk,
  reportKey,
  sumLiveCounters,
  type CounterItem,
  type LiveTotals,
} from '../shared/domain/analytics-live';
import type { ReportSale, ReportSnapshot, StreamReport, TopGifterView } from '../shared/domain/analytics-report';
import { topGifters } from '../shared/domain/economy';
import type { Profile } from '../shared/domain/streamers';

const table = () => requireEnv(ENV.TABLE_NAME);

/** Every item of a query, page by page. */
export async function queryAll<T = Record<string, unknown>>(input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(new QueryCommand({ ...input, TableName: table(), ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as T[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The number of items a query matches (Select COUNT, page by page). */
async function countAll(input: Omit<QueryCommandInput, 'TableName' | 'Select'>): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({ ...input, TableName: table(), Select: 'COUNT', ExclusiveStartKey: start }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

export interface StreamSessionItem {
  streamId: string;
  userId: string;
  status: string;
  startedAt?: string;
  endedAt?: string;
  title?: string;
}

export async function getSession(streamId: string): Promise<StreamSessionItem | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: table(), Key: streamSessionKey(streamId) }));
  return Item as StreamSessionItem | undefined;
}

export async function getProfile(userId: string): Promise<Profile | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: table(), Key: profileKey(userId) }));
  return Item as Profile | undefined;
}

export async function getStoredReport(streamId: string): Promise<StreamReport | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: table(), Key: reportKey(streamId) }));
  if (!Item?.report) return undefined;
  // Reports stored before `final` was a field of the report carry it on the item only.
  const report = Item.report as Omit<StreamReport, 'final'> & { final?: boolean };
  return { ...report, final: report.final ?? Item.final === true };
}

export async function liveTotals(streamId: string): Promise<LiveTotals> {
  return sumLiveCounters(
    await queryAll<CounterItem>({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': liveCountersPk(streamId) },
    }),
  );
}

export async function sales(streamId: string): Promise<ReportSale[]> {
  const items = await queryAll({
    IndexName: 'GSI1',
    KeyConditionExpression: 'GSI1PK = :pk',
    ExpressionAttributeValues: { ':pk': streamSalesPk(streamId) },
  });
  return items
    .filter((i) => i.type === 'Sale')
    .map((i) => ({
      productId: i.productId as string,
      productTitle: (i.productTitle as string) ?? '',
      price: Number(i.price ?? 0),
      currency: (i.currency as string) ?? 'USD',
      viewSessionId: (i.viewSessionId as string | undefined) ?? null,
    }));
}

export async function gifts(streamId: string): Promise<{ coins: number; top: TopGifterView[] }> {
  const [revenue, gifters] = await Promise.all([
    queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': streamPartition(streamId), ':p': SK_PREFIX.giftRevenue },
    }),
    queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': streamPartition(streamId), ':p': SK_PREFIX.gifter },
    }),
  ]);
  const tallies = gifters.map((i) => ({
    userId: i.userId as string,
    handle: i.handle as string,
    coins: Number(i.coins ?? 0),
    reachedAt: i.lastGiftAt as string | undefined,
  }));
  return {
    coins: revenue.reduce((sum, i) => sum + Number(i.coins ?? 0), 0),
    top: topGifters(tallies, 10).map((t) => ({ userId: t.userId, handle: t.handle, coins: t.coins })),
  };
}

/** Chat messages sent on the channel between the stream's start and end (history keeps 24 h of them). */
export function chatMessages(channelId: string, from: string, to: string): Promise<number> {
  return countAll({
    KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': chatLogPartition(channelId), ':from': from, ':to': `${to}~` },
  });
}

/** Follows of the channel made during the stream and still in place. */
export function followerGain(channelId: string, from: string, to: string): Promise<number> {
  return countAll({
    IndexName: 'GSI1',
    KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': userFollowersPk(channelId), ':from': from, ':to': `${to}~` },
  });
}

export async function snapshots(streamId: string): Promise<ReportSnapshot[]> {
  const items = await queryAll({
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
    ExpressionAttributeValues: { ':pk': streamPartition(streamId), ':p': 'SNAPSHOT#' },
  });
  return items.map((i) => i.snapshot as ReportSnapshot).filter(Boolean);
}

/** Titles of products by id (those the stream showed; sold ones carry their title on the sale). */
export async function productTitles(ids: readonly string[]): Promise<Map<string, string>> {
  const titles = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 100) {
    const keys = ids.slice(i, i + 100).map((id) => productKey(id));
    let request: Record<string, { Keys: Record<string, unknown>[]; ProjectionExpression?: string }> | undefined = {
      [table()]: { Keys: keys, ProjectionExpression: 'productId, title' },
    };
    while (request && Object.keys(request).length) {
      const out = await ddb.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[table()] ?? []) titles.set(item.productId as string, item.title as string);
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return titles;
}
