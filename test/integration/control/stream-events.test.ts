/**
 * Stream events and go-live alerts through the real handlers on the local mode's parts (DynamoDB
 * Local, the local event bus, local SES, alert-unsubscribe on a local function URL): duplicate and
 * out-of-order IVS Stream State Change events, one alert per stream, emails only to this streamer's
 * opted-in followers with a working one-click unsubscribe, and the 10,000-follower fan-out within its timeout.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateEmailTemplateCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEvents, type LocalEvents } from '../../../local/events/bus';
import { startFunctionUrl, type LocalFunctionUrl } from '../../../local/lambda/function-url';
import { startLocalSes, type LocalSes, type SesOutboxEntry } from '../../../local/ses/index';
import { GO_LIVE_EMAIL_TEMPLATE } from '../../../lambdas/shared/domain/alerts';
import { useDynamoDbLocal } from '../../support/dynamo';

const db = useDynamoDbLocal();
const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';
const STREAM = 'st-1A2b3c4d5e6f78ABCDEF';
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/events/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const context = {
  functionName: 'stream-state',
  awsRequestId: 'req',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;
const fanoutContext = () => {
  const deadline = Date.now() + 300_000;
  return {
    functionName: 'go-live-fanout',
    awsRequestId: 'req',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  } as unknown as Context;
};

let outbox: string;
let ses: LocalSes;
let events: LocalEvents;
let unsubscribe: LocalFunctionUrl;
let appsync: Server;
const pushes: { query: string; variables: Record<string, unknown> }[] = [];
type Handlers = {
  streamState: typeof import('../../../lambdas/stream-state/handler');
  fanout: typeof import('../../../lambdas/go-live-fanout/handler');
  preferences: typeof import('../../../lambdas/alert-preferences/handler');
  unsubscribe: typeof import('../../../lambdas/alert-unsubscribe/handler');
};
let h: Handlers;

const profile = async () =>
  (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { PK: 'USER#s1', SK: 'PROFILE' } }))).Item!;

beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'control-it-'));
  ses = await startLocalSes({ outboxDir: outbox, verifiedIdentities: ['example.test'], port: 0 });
  // The bus delivers the fan-out's own page events back to it, as the GoLiveEmailPageRule does.
  events = await startLocalEvents({
    scheduleEveryMs: 0,
    invoke: async (name, event) =>
      name === 'go-live-fanout' ? h.fanout.handler(event as never, fanoutContext()) : undefined,
  });
  unsubscribe = await startFunctionUrl(async (name, event) => {
    if (name !== 'alert-unsubscribe') throw new Error(`no function URL for ${name}`);
    return h.unsubscribe.handler(event as never);
  }, 'alert-unsubscribe');
  // Stands in for AppSync's publish* mutations: records what the handlers push.
  appsync = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
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
    WEB_URL: 'http://127.0.0.1:4321',
    RESOURCE_TAG: 'lvs-it',
    JOBS_BUS_NAME: 'lvs-it-jobs',
    ALERT_FROM_ADDRESS: 'Live Shop <alerts@example.test>',
    ALERT_EMAIL_TEMPLATE: 'it-go-live',
    ALERT_EMAIL_RATE: '100000',
    UNSUBSCRIBE_URL: unsubscribe.url,
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_SESV2: ses.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: events.url,
    AWS_REGION: await db.client.config.region(),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        PK: 'USER#s1',
        SK: 'PROFILE',
        type: 'Profile',
        userId: 's1',
        handle: 'ann',
        title: 'Sneaker drop',
        category: 'Shoes',
        goingLiveMessage: 'Rare pairs tonight',
        status: 'OFFLINE',
        tags: [],
        followerCount: 0,
        channelArn: CHANNEL_ARN,
        GSI2PK: `CHANNEL_ARN#${CHANNEL_ARN}`,
        GSI2SK: 'PROFILE',
      },
    }),
  );
  for (const [userId, handle] of [
    ['other', 'cid'],
    ['nobody-follows', 'dee'],
  ]) {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: { PK: `USER#${userId}`, SK: 'PROFILE', type: 'Profile', userId, handle, status: 'OFFLINE' },
      }),
    );
  }
  await new SESv2Client({}).send(
    new CreateEmailTemplateCommand({
      TemplateName: 'it-go-live',
      TemplateContent: {
        Subject: GO_LIVE_EMAIL_TEMPLATE.subject,
        Text: GO_LIVE_EMAIL_TEMPLATE.text,
        Html: GO_LIVE_EMAIL_TEMPLATE.html,
      },
    }),
  );
  h = {
    streamState: await import('../../../lambdas/stream-state/handler'),
    fanout: await import('../../../lambdas/go-live-fanout/handler'),
    preferences: await import('../../../lambdas/alert-preferences/handler'),
    unsubscribe: await import('../../../lambdas/alert-unsubscribe/handler'),
  };
});

afterAll(async () => {
  await events?.stop();
  await unsubscribe?.stop();
  await ses?.stop();
  await new Promise((r) => appsync?.close(r));
  await rm(outbox, { recursive: true, force: true });
});

describe('stream state on DynamoDB Local', () => {
  it('an End that overtook its Start wins; the late Start and a duplicate change nothing', async () => {
    expect(await h.streamState.handler(fixture('ivs-session-created'), context)).toBe('APPLIED');
    expect(await profile()).toMatchObject({
      status: 'LIVE',
      GSI1PK: 'LIVE',
      GSI3PK: 'CATEGORY#Shoes',
      currentStreamId: STREAM,
    });
    const live = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :l',
        ExpressionAttributeValues: { ':l': 'LIVE' },
      }),
    );
    expect(live.Items?.map((i: Record<string, unknown>) => i.userId)).toEqual(['s1']);

    expect(await h.streamState.handler(fixture('ivs-stream-end'), context)).toBe('APPLIED');
    // Stream Start (10:23:43) arrives after Stream End (11:02:10): older, refused.
    expect(await h.streamState.handler(fixture('ivs-stream-start'), context)).toBe('STALE');
    expect(await h.streamState.handler(fixture('ivs-stream-end'), context)).toBe('APPLIED'); // duplicate: idempotency answers the stored result

    const p = await profile();
    expect(p.status).toBe('OFFLINE');
    expect(p.GSI1PK).toBeUndefined();
    expect(p.GSI3PK).toBeUndefined();
    const session = (
      await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { PK: `STREAM#${STREAM}`, SK: 'STREAM' } }))
    ).Item!;
    expect(session).toMatchObject({
      status: 'OFFLINE',
      endedAt: '2025-06-12T11:02:10.000Z',
      startedAt: '2025-06-12T10:23:41.000Z',
    });
    const statusPushes = pushes.filter((p) => p.query.includes('publishStreamStatus'));
    expect(statusPushes.map((p) => (p.variables.input as { status: string }).status)).toEqual(['LIVE', 'OFFLINE']);
  });
});

const emails = async (): Promise<SesOutboxEntry[]> =>
  Promise.all(
    (await readdir(outbox))
      .filter((f) => f.startsWith('ses-'))
      .map(async (f) => JSON.parse(await readFile(join(outbox, f), 'utf8')) as SesOutboxEntry),
  );
const optIn = async (userId: string, streamerId: string) => {
  const out = await h.preferences.handler({
    arguments: { streamerId, email: true },
    identity: { sub: userId, claims: { email: `${userId}@example.com` } },
    source: null,
    info: { fieldName: 'setAlertPreference', parentTypeName: 'Mutation' },
  });
  expect(out).toMatchObject({ data: { email: true } });
};

describe('go-live alerts on DynamoDB Local + the local event bus + local SES', () => {
  const OPTED_IN = 120;

  it("alerts 10,000 followers once in-app and emails exactly this streamer's 120 opted-in followers, each with an unsubscribe link", async () => {
    for (let i = 0; i < OPTED_IN; i++) await optIn(`f${i}`, 's1');
    await optIn('fan-of-other', 'other');

    const N = 10_000;
    const followers = Array.from({ length: N }, (_, i) => ({
      PutRequest: {
        Item: {
          PK: `USER#f${i}`,
          SK: 'FOLLOWS#s1',
          type: 'Follow',
          GSI1PK: 'USER#s1#FOLLOWERS',
          GSI1SK: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
          followerId: `f${i}`,
          streamerId: 's1',
        },
      },
    }));
    for (let i = 0; i < N; i += 25) {
      await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: followers.slice(i, i + 25) } }));
    }
    pushes.length = 0;

    const started = performance.now();
    const result = await h.fanout.handler(fixture('ivs-stream-start') as never, fanoutContext());
    const elapsedMs = performance.now() - started;
    await events.settled();
    const emailedMs = performance.now() - started;
    // At-least-once delivery: the same Stream Start again changes nothing.
    const again = await h.fanout.handler(fixture('ivs-stream-start') as never, fanoutContext());
    await events.settled();

    console.log(
      `go-live fan-out on DynamoDB Local: ${N} in-app in ${Math.round(elapsedMs)} ms; ${OPTED_IN} emails done after ${Math.round(emailedMs)} ms`,
    );
    expect(result).toEqual({ status: 'SENT', followers: N });
    expect(again).toEqual({ status: 'ALREADY_SENT', followers: 0 });
    expect(elapsedMs).toBeLessThan(120_000);
    expect(pushes.filter((p) => p.query.includes('publishNotification'))).toHaveLength(N);
    for (const i of [0, 4_999, N - 1]) {
      const inbox = await db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
          ExpressionAttributeValues: { ':pk': `USER#f${i}`, ':p': 'NOTIF#' },
        }),
      );
      expect(inbox.Items).toEqual([
        expect.objectContaining({
          kind: 'GO_LIVE',
          body: 'Rare pairs tonight',
          link: 'http://127.0.0.1:4321/s/ann',
          read: false,
        }),
      ]);
    }

    const sent = await emails();
    expect(sent.map((e) => e.to[0]).sort()).toEqual(
      Array.from({ length: OPTED_IN }, (_, i) => `f${i}@example.com`).sort(),
    );
    const first = sent.find((e) => e.to[0] === 'f0@example.com')!;
    const link = /^<(.+)>$/.exec(first.headers['List-Unsubscribe']!)![1]!;
    expect(link.startsWith(unsubscribe.url)).toBe(true);
    expect(first).toMatchObject({
      from: 'Live Shop <alerts@example.test>',
      subject: 'ann is live',
      template: 'it-go-live',
      headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    expect(first.text).toBe(
      `Rare pairs tonight\n\nWatch: http://127.0.0.1:4321/s/ann\n\nYou get this because you turned on email alerts for ann. Unsubscribe: ${link}\n`,
    );
    expect(first.html).toContain(`<a href="${link.replace(/&/g, '&amp;')}">Unsubscribe</a>`);
    const progress = (
      await db.doc.send(
        new GetCommand({ TableName: db.tableName, Key: { PK: `STREAM#${STREAM}`, SK: 'ALERTED#EMAIL' } }),
      )
    ).Item;
    expect(progress).toMatchObject({ state: 'DONE', nextPage: 3, sent: OPTED_IN, failed: 0 });
  });

  it('one-click unsubscribe (the List-Unsubscribe POST) stops the next go-live email to that follower only', async () => {
    const before = new Set((await emails()).map((e) => e.messageId));
    const first = (await emails()).find((e) => e.to[0] === 'f0@example.com')!;
    const link = /^<(.+)>$/.exec(first.headers['List-Unsubscribe']!)![1]!;

    // A link scanner's GET changes nothing; the mail client's one-click POST unsubscribes.
    expect((await fetch(link)).status).toBe(200);
    expect(
      (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { PK: 'USER#f0', SK: 'ALERTPREF#s1' } }))).Item,
    ).toMatchObject({ email: true });
    const res = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You will no longer get an email when ann goes live.');
    expect(
      (await fetch(link.replace(/t=[^&]+/, 't=wrong-token-wrong-token-wrong-token'), { method: 'POST' })).status,
    ).toBe(404);

    const next = fixture('ivs-stream-start') as { id: string; detail: { stream_id: string } };
    next.id = 'second-start';
    next.detail.stream_id = 'st-SECOND0000000000000';
    await h.fanout.handler(next as never, fanoutContext());
    await events.settled();

    const fresh = (await emails()).filter((e) => !before.has(e.messageId));
    expect(fresh).toHaveLength(OPTED_IN - 1);
    expect(fresh.map((e) => e.to[0])).not.toContain('f0@example.com');
    expect(fresh.map((e) => e.to[0])).toContain('f1@example.com');
  });
});
