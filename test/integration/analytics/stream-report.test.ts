/**
 * Analytics end to end in the local mode (each function's IAM is checked by test/unit/infra/function-permissions.test.ts):
 * a seeded audience over a 20-minute stream (300 viewers in CI, 2,000 with ANALYTICS_IT_VIEWERS=2000) sends its events through the local endpoint (the ingest function behind the
 * function URL stand-in) in shuffled order with duplicated requests; the local Firehose lands them in
 * the local S3; the report function runs the named queries on the local Athena (DuckDB); the report
 * the streamer reads through GraphQL matches the audience's ground truth. Milestones fire once per
 * threshold; bad batches are refused with a sentence and never counted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { gql, GraphqlError, signUpAndIn, type LocalSession } from '../../../local/client';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { startLocalPlatform, type LocalPlatform } from '../../../local/start';
import {
  LIVE_PK,
  profileKey,
  streamSalesPk,
  streamSessionKey,
  userPartition,
  userStreamsPk,
  viewerMilestoneKey,
} from '../../../lambdas/shared/domain/keys';
import { MAX_BODY_BYTES, type AnalyticsEvent } from '../../../lambdas/shared/domain/analytics-events';
import {
  groundTruth,
  prng,
  sessionEvents,
  simulateAudience,
  type Audience,
  type GroundTruth,
} from '../../support/analytics-simulation';

const PASSWORD = 'Local-Test-Pass-1!';
const STREAM = `st-analytics-${randomUUID().slice(0, 8)}`;
/** A second live stream of the same channel, kept out of the streamer's list: the mixed batches go there. */
const MIXED_STREAM = `st-mixed-${randomUUID().slice(0, 8)}`;
/**
 * The scenario is 2,000 viewers (ANALYTICS_IT_VIEWERS=2000, about 70,000 events); CI runs 300
 * by default to stay bounded on a shared 2-core runner (the ingest path writes DynamoDB Local per viewer-minute).
 */
const VIEWERS = Number(process.env.ANALYTICS_IT_VIEWERS ?? 300);
const DURATION = 20 * 60;

let dir: string;
let platform: LocalPlatform;
let ddb: DynamoDBDocumentClient;
let streamer: LocalSession;
let stranger: LocalSession;
let signedIn: LocalSession[];
let audience: Audience;
let truth: GroundTruth;
let t0: number;
const table = 'local-Main';

const post = async (body: unknown, raw?: string) => {
  const res = await fetch(`${platform.endpoints.analyticsUrl}/events`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    body: raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  const answer = text
    ? (JSON.parse(text) as { message: string; accepted?: number; rejected?: { index: number; reason: string }[] })
    : undefined;
  return { status: res.status, message: answer?.message, accepted: answer?.accepted, rejected: answer?.rejected };
};

const REPORT = /* GraphQL */ `
  query R($s: ID!) {
    streamReport(streamId: $s) {
      streamId
      channelId
      live
      views
      uniqueViewers
      peakConcurrent
      averageWatchSeconds
      watchHours
      likes
      shares
      chatMessages
      followerGain
      salesRevenueMinor
      giftCoins
      currency
      concurrency {
        at
        viewers
      }
      retention {
        minute
        share
      }
      products {
        productId
        title
        impressions
        clicks
        ctr
        purchases
        conversion
        revenueMinor
      }
      snapshots {
        at
        concurrent
      }
      generatedAt
      final
    }
  }
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'analytics-'));
  platform = await startLocalPlatform({
    dataDir: dir,
    ports: 'free',
    web: false,
    scheduleEveryMs: 0,
    log: () => undefined,
  });
  ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: platform.endpoints.dynamodbUrl,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  const account = (name: string) =>
    signUpAndIn({
      cognitoUrl: platform.endpoints.cognitoUrl,
      clientId: platform.userPoolClientId,
      outboxDir: join(dir, 'outbox'),
      email: `${name}@example.com`,
      password: PASSWORD,
      handle: name,
    });
  streamer = await account('anastreamer');
  stranger = await account('anastranger');
  signedIn = [await account('anaviewer1'), await account('anaviewer2')];

  // The stream started 25 minutes ago (minute-aligned); its session and the streamer's LIVE profile as stream-state writes them.
  t0 = Math.floor((Date.now() - 25 * 60_000) / 60_000) * 60_000;
  const startedAt = new Date(t0).toISOString();
  await ddb.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...streamSessionKey(STREAM),
        type: 'StreamSession',
        streamId: STREAM,
        userId: streamer.sub,
        status: 'LIVE',
        startedAt,
        GSI1PK: userStreamsPk(streamer.sub),
        GSI1SK: startedAt,
      },
    }),
  );
  await ddb.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...streamSessionKey(MIXED_STREAM),
        type: 'StreamSession',
        streamId: MIXED_STREAM,
        userId: streamer.sub,
        status: 'LIVE',
        startedAt,
      },
    }),
  );
  await ddb.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...profileKey(streamer.sub),
        type: 'Profile',
        userId: streamer.sub,
        handle: 'anastreamer',
        status: 'LIVE',
        currentStreamId: STREAM,
        liveSince: startedAt,
        title: 'Analytics show',
        tags: [],
        followerCount: 0,
        GSI1PK: LIVE_PK,
        GSI1SK: startedAt,
        channelArn: 'arn:aws:ivs:us-east-1:000000000000:channel/analytics',
        chatRoomArn: 'arn:aws:ivschat:us-east-1:000000000000:room/analytics',
      },
    }),
  );

  audience = simulateAudience({
    viewers: VIEWERS,
    durationSeconds: DURATION,
    seed: 17,
    signedIn: signedIn.map((s) => s.sub),
    arrivalSeconds: 7 * 60,
  });
  // Tracked before the events are sent, so the counts below also prove duplicates and refusals add nothing.
  truth = groundTruth(audience);
  // Two sales: one from a session that saw the product, one without a session.
  const buyer = audience.viewers.find((v) => v.sessions[0]?.impressions.length);
  const bought = buyer?.sessions[0]?.impressions[0] ?? 'prd-sim-1';
  for (const [i, viewSessionId] of [buyer?.sessions[0]?.sessionId, undefined].entries()) {
    const soldAt = new Date(t0 + (60 + i) * 1000).toISOString();
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: {
          PK: `SALE#sal-analytics-${i}`,
          SK: 'SALE',
          type: 'Sale',
          saleId: `sal-analytics-${i}`,
          kind: 'BUY_NOW',
          productId: bought,
          productTitle: 'Lamp',
          channelId: streamer.sub,
          buyerId: `buyer-${i}`,
          price: 1500,
          currency: 'EUR',
          soldAt,
          streamId: STREAM,
          GSI1PK: streamSalesPk(STREAM),
          GSI1SK: soldAt,
          ...(viewSessionId ? { viewSessionId } : {}),
        },
      }),
    );
  }
}, 600_000);

afterAll(async () => {
  await platform?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every request the audience sends: per session, batches of at most 100 events, with the viewer's token where signed in. */
function requests(): { body: Record<string, unknown> }[] {
  const rand = prng(99);
  const out: { body: Record<string, unknown> }[] = [];
  for (const v of audience.viewers) {
    const token = v.userId ? signedIn.find((s) => s.sub === v.userId)?.idToken : undefined;
    // One in ten clocks runs ahead by whole minutes; those clients send sentAt, as the tracker does.
    const skewMs = rand() < 0.1 ? Math.floor(rand() * 5 + 1) * 60_000 : 0;
    v.sessions.forEach((s, i) => {
      const events = sessionEvents(v, s, t0 + skewMs, STREAM, streamer.sub, i === 0);
      for (let k = 0; k < events.length; k += 100) {
        const batch: AnalyticsEvent[] = events.slice(k, k + 100);
        out.push({
          body: { ...(token ? { idToken: token } : {}), ...(skewMs ? { sentAtSkewMs: skewMs } : {}), events: batch },
        });
      }
    });
  }
  // Out of order and at least once: shuffled, 3% sent twice.
  for (const r of [...out]) if (rand() < 0.03) out.push(r);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function sendAll(): Promise<number[]> {
  const all = requests();
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < all.length) {
        const { body } = all[next++]!;
        const { sentAtSkewMs, ...rest } = body as { sentAtSkewMs?: number };
        const res = await post(
          sentAtSkewMs ? { ...rest, sentAt: new Date(Date.now() + sentAtSkewMs).toISOString() } : rest,
        );
        statuses.push(res.status);
        if (res.status !== 204) throw new Error(`batch refused: ${res.status} ${res.message}`);
      }
    }),
  );
  return statuses;
}

const tick = () =>
  platform.runner.invoke('analytics-reports', {
    version: '0',
    source: 'aws.events',
    'detail-type': 'Scheduled Event',
    detail: {},
  });

describe(`a ${VIEWERS}-viewer, 20-minute stream`, () => {
  it('refuses bad batches with a sentence and counts none of their events', async () => {
    const v = audience.viewers[0]!;
    const good = sessionEvents(v, v.sessions[0]!, t0, STREAM, streamer.sub, false).slice(0, 1)[0]!;
    const like = (over: Partial<AnalyticsEvent> = {}): AnalyticsEvent => ({
      ...good,
      eventId: randomUUID(),
      type: 'like',
      ...over,
    });
    const cases: [string, Awaited<ReturnType<typeof post>>, RegExp][] = [
      [
        'oversized',
        await post(undefined, JSON.stringify({ events: [like()], pad: 'x'.repeat(MAX_BODY_BYTES) })),
        /at most 65536 are accepted/,
      ],
      [
        'unknown type',
        await post({ events: [{ ...like(), type: 'purchase' }, like({ type: 'product_click' })] }),
        /^None of the 2 events was accepted\. Event 1: Event type "purchase" is unknown/,
      ],
      [
        'forged stream id',
        await post({ events: [like({ streamId: 'st-forged' })] }),
        /^Stream st-forged is not a stream of channel/,
      ],
      [
        "another channel's stream",
        await post({ events: [like({ channelId: stranger.sub })] }),
        /is not a stream of channel/,
      ],
      [
        'future timestamps',
        await post({ events: [like({ at: new Date(Date.now() + 3600_000).toISOString() })] }),
        /in the future/,
      ],
      [
        'forged sign-in token',
        await post({ idToken: `${streamer.idToken.slice(0, -4)}AAAA`, events: [like()] }),
        /sign-in token does not verify/,
      ],
      ['not JSON', await post(undefined, '{"events": ['), /not JSON/],
    ];
    for (const [what, res, message] of cases) {
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect(res.message).toMatch(message);
    }
  });

  it('a batch with bad events keeps its good ones: they count once, the bad ones are listed with their reasons', async () => {
    const v = audience.viewers[1]!;
    const base = sessionEvents(v, v.sessions[0]!, t0, MIXED_STREAM, streamer.sub, false)[0]!;
    const good = [
      { ...base, eventId: randomUUID(), type: 'view_start' as const, ttffMs: 640 },
      { ...base, eventId: randomUUID(), type: 'like' as const },
    ];
    const batch = {
      events: [
        good[0],
        { ...base, eventId: randomUUID(), type: 'purchase' },
        good[1],
        { ...base, eventId: randomUUID(), type: 'like', streamId: 'st-forged' },
      ],
    };
    const first = await post(batch);
    expect(first.status).toBe(200);
    expect(first.accepted).toBe(2);
    expect(first.rejected?.map((r) => r.index)).toEqual([1, 3]);
    expect(first.rejected?.[0]?.reason).toMatch(/^Event type "purchase" is unknown/);
    expect(first.rejected?.[1]?.reason).toMatch(/^Stream st-forged is not a stream of channel/);
    await platform.settled();
    const live = await gql<{ streamReport: { views: number; likes: number; uniqueViewers: number } }>(
      platform.endpoints.graphqlUrl,
      REPORT,
      { s: MIXED_STREAM },
      streamer.idToken,
    );
    expect(live.streamReport).toMatchObject({ views: 1, likes: 1, uniqueViewers: 1 });
  });

  it('ingests every event (shuffled, 3% duplicated, some clocks ahead)', async () => {
    const started = Date.now();
    const statuses = await sendAll();
    expect(statuses.every((s) => s === 204)).toBe(true);
    await platform.settled();
    const files = readdirSync(join(dir, 's3', 'local-analytics', 'events'), { recursive: true }).map(String);
    expect(files.some((f) => f.includes(`stream=${STREAM}`) && f.startsWith('dt='))).toBe(true);
    console.info(
      `analytics integration: ${statuses.length} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 600_000);

  it('keeps live per-minute counters equal to the ground truth (duplicates counted once) and fires each milestone once', async () => {
    await Promise.all([tick(), tick(), tick()]);
    await platform.settled();
    const live = await gql<{
      streamReport: {
        live: boolean;
        final: boolean;
        peakConcurrent: number;
        uniqueViewers: number;
        concurrency: { viewers: number }[];
      };
    }>(platform.endpoints.graphqlUrl, REPORT, { s: STREAM }, streamer.idToken);
    expect(live.streamReport.live).toBe(true);
    expect(live.streamReport.final).toBe(false);
    expect(live.streamReport.peakConcurrent).toBe(Math.max(...truth.perMinute));
    expect(live.streamReport.uniqueViewers).toBe(truth.uniqueViewers);
    expect(live.streamReport.concurrency.slice(0, truth.perMinute.length).map((p) => p.viewers)).toEqual(
      truth.perMinute,
    );

    const reached = [100, 1000, 10_000].filter((m) => Math.max(...truth.perMinute) >= m);
    expect(reached.length).toBeGreaterThan(0);
    for (const m of reached)
      expect(
        (await ddb.send(new GetCommand({ TableName: table, Key: viewerMilestoneKey(STREAM, m) }))).Item,
      ).toMatchObject({ milestone: m, source: 'analytics' });
    for (const m of [100, 1000, 10_000].filter((x) => !reached.includes(x)))
      expect(
        (await ddb.send(new GetCommand({ TableName: table, Key: viewerMilestoneKey(STREAM, m) }))).Item,
      ).toBeUndefined();
    const notifications = await ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :n)',
        ExpressionAttributeValues: { ':pk': userPartition(streamer.sub), ':n': 'NOTIF#' },
      }),
    );
    expect(
      (notifications.Items ?? [])
        .filter((n) => n.kind === 'VIEWER_MILESTONE')
        .map((n) => n.title)
        .sort(),
    ).toEqual(reached.map((m) => `${m.toLocaleString('en-US')} viewers!`).sort());
  }, 300_000);

  it('builds the final report after the end, exact against the ground truth, for the streamer only', async () => {
    const endedAt = new Date(t0 + DURATION * 1000).toISOString();
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: streamSessionKey(STREAM),
        UpdateExpression: 'SET #s = :off, endedAt = :e',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':off': 'OFFLINE', ':e': endedAt },
      }),
    );
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: profileKey(streamer.sub),
        UpdateExpression: 'SET #s = :off REMOVE GSI1PK, GSI1SK, currentStreamId',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':off': 'OFFLINE' },
      }),
    );
    const started = Date.now();
    await tick();
    console.info(`analytics integration: final report in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const { streamReport: r } = await gql<{
      streamReport: Record<string, unknown> & {
        concurrency: { viewers: number }[];
        retention: { minute: number; share: number }[];
        products: { productId: string; impressions: number; clicks: number; purchases: number; conversion: number }[];
      };
    }>(platform.endpoints.graphqlUrl, REPORT, { s: STREAM }, streamer.idToken);
    const peak = Math.max(...truth.perMinute);
    expect(r).toMatchObject({
      live: false,
      final: true,
      views: truth.views,
      uniqueViewers: truth.uniqueViewers,
      peakConcurrent: peak,
      likes: truth.likes,
      shares: truth.shares,
      salesRevenueMinor: 3000,
      currency: 'EUR',
      channelId: streamer.sub,
    });
    // Skewed clients are corrected to the millisecond of their request's transit: watch time within a second overall.
    expect(Math.abs((r.watchHours as number) * 3600 - truth.watchSeconds)).toBeLessThan(2);
    expect(Math.abs((r.averageWatchSeconds as number) - truth.watchSeconds / truth.uniqueViewers)).toBeLessThan(0.1);
    expect(r.concurrency.map((p) => p.viewers)).toEqual(truth.perMinute);
    expect(r.retention.map((p) => p.share)).toEqual(
      truth.perMinute.map((v) => Math.round((v / truth.uniqueViewers) * 10_000) / 10_000),
    );
    for (const [productId, t] of truth.products) {
      const p = r.products.find((x) => x.productId === productId);
      expect({ productId, impressions: p?.impressions ?? 0, clicks: p?.clicks ?? 0 }).toEqual({ productId, ...t });
    }
    const sold = r.products.find((p) => p.purchases > 0);
    expect(sold?.purchases).toBe(2);
    expect(sold?.conversion).toBe(Math.round((1 / (sold?.impressions ?? 1)) * 10_000) / 10_000);

    await expect(gql(platform.endpoints.graphqlUrl, REPORT, { s: STREAM }, stranger.idToken)).rejects.toSatisfy(
      (e: unknown) => e instanceof GraphqlError && e.types.includes('FORBIDDEN'),
    );
    const list = await gql<{ myStreamReports: { items: { streamId: string; views: number }[] } }>(
      platform.endpoints.graphqlUrl,
      'query { myStreamReports { items { streamId views peakConcurrent } } }',
      {},
      streamer.idToken,
    );
    expect(list.myStreamReports.items).toEqual([{ streamId: STREAM, views: truth.views, peakConcurrent: peak }]);
    const days = await gql<{ creatorAnalytics: { date: string; views: number }[] }>(
      platform.endpoints.graphqlUrl,
      'query { creatorAnalytics(days: 7) { date views watchHours } }',
      {},
      streamer.idToken,
    );
    expect(days.creatorAnalytics).toHaveLength(7);
    expect(days.creatorAnalytics.reduce((s, d) => s + d.views, 0)).toBe(truth.views);
  }, 300_000);

  it('once the late-event grace has passed, the ended stream has a stored report from the counters; Athena makes it final', async () => {
    const endedAtMs = Date.now() - 1_000;
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: streamSessionKey(MIXED_STREAM),
        UpdateExpression: 'SET #s = :off, endedAt = :e',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':off': 'OFFLINE', ':e': new Date(endedAtMs).toISOString() },
      }),
    );
    await ddb.send(
      new PutCommand({ TableName: table, Item: { PK: 'ANALYTICS#PENDING', SK: MIXED_STREAM, streamId: MIXED_STREAM } }),
    );
    // The schedule's run as it happens 31 s after the end (past the 30 s grace, before the local settle time).
    const { tick: reportsRun } = await import('../../../lambdas/analytics-reports/handler');
    expect(await reportsRun(endedAtMs + 31_000)).toMatchObject({ finalized: 0 });
    const stored = await ddb.send(
      new GetCommand({ TableName: table, Key: { PK: `STREAM#${MIXED_STREAM}`, SK: 'REPORT' } }),
    );
    expect(stored.Item).toMatchObject({ final: false, report: { live: false, views: 1, likes: 1, final: false } });
    await platform.settled();
    expect(await reportsRun(endedAtMs + 60_000)).toMatchObject({ finalized: 1 });
    const { streamReport: r } = await gql<{ streamReport: { final: boolean; views: number; likes: number } }>(
      platform.endpoints.graphqlUrl,
      REPORT,
      { s: MIXED_STREAM },
      streamer.idToken,
    );
    expect(r).toMatchObject({ final: true, views: 1, likes: 1 });
  });
});
