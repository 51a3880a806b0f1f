/**
 * Stream events and go-live alerts on DynamoDB Local + local SNS through the real handlers:
 * duplicate and out-of-order IVS Stream State Change events, one alert per stream, email only to
 * the subscriber whose filter policy matches, and the 10,000-follower fan-out within its timeout.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfirmSubscriptionCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSns, type LocalSns, type OutboxEntry } from '../../../local/sns/index';
import { useDynamoDbLocal } from '../../support/dynamo';

const db = useDynamoDbLocal();
const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:go-live';
const STREAM = 'st-1A2b3c4d5e6f78ABCDEF';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/events/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
const context = { functionName: 'stream-state', awsRequestId: 'req', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

let outbox: string;
let sns: LocalSns;
let appsync: Server;
const pushes: { query: string; variables: Record<string, unknown> }[] = [];
type Handlers = {
  streamState: typeof import('../../../lambdas/stream-state/handler');
  fanout: typeof import('../../../lambdas/go-live-fanout/handler');
};
let h: Handlers;

const profile = async () => (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { PK: 'USER#s1', SK: 'PROFILE' } }))).Item!;

beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'control-it-'));
  sns = await startLocalSns({ outboxDir: outbox, port: 0 });
  // Stands in for AppSync's publish* mutations: records what the handlers push.
  appsync = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      pushes.push(JSON.parse(body) as (typeof pushes)[number]);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
    });
  });
  await new Promise<void>((r) => appsync.listen(0, '127.0.0.1', r));
  const credentials = await db.client.config.credentials();
  Object.assign(process.env, {
    TABLE_NAME: db.tableName,
    IDEMPOTENCY_TABLE_NAME: db.idempotencyTableName,
    GRAPHQL_URL: `http://127.0.0.1:${(appsync.address() as AddressInfo).port}/graphql`,
    GO_LIVE_TOPIC_ARN: TOPIC,
    WEB_URL: 'http://127.0.0.1:4321',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.url,
    AWS_REGION: await db.client.config.region(),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  await db.doc.send(new PutCommand({
    TableName: db.tableName,
    Item: { PK: 'USER#s1', SK: 'PROFILE', type: 'Profile', userId: 's1', handle: 'ann', title: 'Sneaker drop', category: 'Shoes', goingLiveMessage: 'Rare pairs tonight', status: 'OFFLINE', tags: [], followerCount: 0, channelArn: CHANNEL_ARN, GSI2PK: `CHANNEL_ARN#${CHANNEL_ARN}`, GSI2SK: 'PROFILE' },
  }));
  h = {
    streamState: await import('../../../lambdas/stream-state/handler'),
    fanout: await import('../../../lambdas/go-live-fanout/handler'),
  };
});

afterAll(async () => {
  await sns?.stop();
  await new Promise((r) => appsync?.close(r));
  await rm(outbox, { recursive: true, force: true });
});

describe('stream state on DynamoDB Local', () => {
  it('an End that overtook its Start wins; the late Start and a duplicate change nothing', async () => {
    expect(await h.streamState.handler(fixture('ivs-session-created'), context)).toBe('APPLIED');
    expect(await profile()).toMatchObject({ status: 'LIVE', GSI1PK: 'LIVE', GSI3PK: 'CATEGORY#Shoes', currentStreamId: STREAM });
    const live = await db.doc.send(new QueryCommand({ TableName: db.tableName, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :l', ExpressionAttributeValues: { ':l': 'LIVE' } }));
    expect(live.Items?.map((i: Record<string, unknown>) => i.userId)).toEqual(['s1']);

    expect(await h.streamState.handler(fixture('ivs-stream-end'), context)).toBe('APPLIED');
    // Stream Start (10:23:43) arrives after Stream End (11:02:10): older, refused.
    expect(await h.streamState.handler(fixture('ivs-stream-start'), context)).toBe('STALE');
    expect(await h.streamState.handler(fixture('ivs-stream-end'), context)).toBe('APPLIED'); // duplicate: idempotency answers the stored result

    const p = await profile();
    expect(p.status).toBe('OFFLINE');
    expect(p.GSI1PK).toBeUndefined();
    expect(p.GSI3PK).toBeUndefined();
    const session = (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { PK: `STREAM#${STREAM}`, SK: 'STREAM' } }))).Item!;
    expect(session).toMatchObject({ status: 'OFFLINE', endedAt: '2025-06-12T11:02:10.000Z', startedAt: '2025-06-12T10:23:41.000Z' });
    const statusPushes = pushes.filter((p) => p.query.includes('publishStreamStatus'));
    expect(statusPushes.map((p) => (p.variables.input as { status: string }).status)).toEqual(['LIVE', 'OFFLINE']);
  });
});

describe('go-live alerts on DynamoDB Local + local SNS', () => {
  it('emails only the confirmed subscriber of this streamer and alerts 10,000 followers once', async () => {
    const client = new SNSClient({});
    for (const streamerId of ['s1', 'other']) {
      await client.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'email', Endpoint: `${streamerId}-fan@example.com`, Attributes: { FilterPolicy: JSON.stringify({ streamerId: [streamerId] }) }, ReturnSubscriptionArn: true }));
    }
    const files = async () => Promise.all((await readdir(outbox)).filter((f) => f.endsWith('.json') && !f.startsWith('.')).map(async (f) => JSON.parse(await readFile(join(outbox, f), 'utf8')) as OutboxEntry));
    for (const c of (await files()).filter((e) => e.kind === 'SubscriptionConfirmation')) {
      await client.send(new ConfirmSubscriptionCommand({ TopicArn: TOPIC, Token: c.token! }));
    }

    const N = 10_000;
    const followers = Array.from({ length: N }, (_, i) => ({
      PutRequest: { Item: { PK: `USER#f${i}`, SK: 'FOLLOWS#s1', type: 'Follow', GSI1PK: 'USER#s1#FOLLOWERS', GSI1SK: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(), followerId: `f${i}`, streamerId: 's1' } },
    }));
    for (let i = 0; i < N; i += 25) {
      await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: followers.slice(i, i + 25) } }));
    }
    pushes.length = 0;

    const started = performance.now();
    const result = await h.fanout.handler(fixture('ivs-stream-start') as never);
    const elapsedMs = performance.now() - started;
    const again = await h.fanout.handler(fixture('ivs-stream-start') as never);

    console.log(`go-live fan-out to ${N} followers on DynamoDB Local: ${Math.round(elapsedMs)} ms`);
    expect(result).toEqual({ status: 'SENT', followers: N });
    expect(again).toEqual({ status: 'ALREADY_SENT', followers: 0 });
    expect(elapsedMs).toBeLessThan(120_000);
    expect(pushes.filter((p) => p.query.includes('publishNotification'))).toHaveLength(N);
    for (const i of [0, 4_999, N - 1]) {
      const inbox = await db.doc.send(new QueryCommand({ TableName: db.tableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)', ExpressionAttributeValues: { ':pk': `USER#f${i}`, ':p': 'NOTIF#' } }));
      expect(inbox.Items).toEqual([expect.objectContaining({ kind: 'GO_LIVE', body: 'Rare pairs tonight', link: 'http://127.0.0.1:4321/s/ann', read: false })]);
    }
    const emails = (await files()).filter((e) => e.kind === 'Notification');
    expect(emails.map((e) => e.endpoint)).toEqual(['s1-fan@example.com']);
    expect(emails[0]).toMatchObject({ subject: 'ann is live', message: 'Rare pairs tonight\n\nWatch: http://127.0.0.1:4321/s/ann' });
  });
});
