import { readFileSync } from 'node:fs';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendBulkEmailCommand, SESv2Client, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const publish = vi.hoisted(() => vi.fn(async () => ({})));
vi.mock('../../../../lambdas/shared/appsync-publish', () => ({ publish }));
const { handler, PUBLISH_NOTIFICATION } = await import('../../../../lambdas/go-live-fanout/handler');
const { goLiveNotificationId } = await import('../../../../lambdas/shared/domain/alerts');

const ses = mockClient(SESv2Client);
const events = mockClient(EventBridgeClient);
const ddb = mockClient(DynamoDBDocumentClient);
const event = JSON.parse(readFileSync('test/fixtures/events/ivs-stream-start.json', 'utf8'));
const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';
const STREAM = 'st-1A2b3c4d5e6f78ABCDEF';
const CLAIM = 'attribute_not_exists(PK) OR #state = :released';
const PROGRESS_KEY = { PK: `STREAM#${STREAM}`, SK: 'ALERTED#EMAIL' };
const profile = {
  userId: 'u1',
  handle: 'ann',
  displayName: 'Ann',
  title: 'Sneaker drop',
  goingLiveMessage: 'Rare Jordans at 8!',
  channelArn: CHANNEL_ARN,
};
const context = (remainingMs = 250_000) => ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;
const pageEvent = (page: number, prefix = 'lvs-test') => ({
  source: 'lvs.alerts',
  'detail-type': 'Go-Live Email Page',
  detail: { prefix, streamId: STREAM, page },
});

function followers(n: number) {
  return Array.from({ length: n }, (_, i) => ({ PK: `USER#f${i}`, followerId: `f${i}` }));
}

const optIns = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return {
      PK: `USER#f${i}`,
      SK: 'ALERTPREF#u1',
      userId: `f${i}`,
      email: true,
      emailAddress: `f${i}@example.com`,
      unsubscribeToken: `token-${i}-abcdefghijklmnop`,
    };
  });

/** GSI2 pages of at most 50 opt-ins out of `n`, cursor = the last item's keys (as DynamoDB answers). */
function optInIndex(n: number) {
  ddb
    .on(QueryCommand, { IndexName: 'GSI2', KeyConditionExpression: 'GSI2PK = :pk' })
    .callsFake((input: { Limit: number; ExclusiveStartKey?: { GSI2SK: string } }) => {
      const from = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey.GSI2SK.slice(1)) + 1 : 0;
      const to = Math.min(n, from + input.Limit);
      const Items = optIns(from, to);
      return {
        Items,
        ...(to < n
          ? {
              LastEvaluatedKey: {
                PK: `USER#f${to - 1}`,
                SK: 'ALERTPREF#u1',
                GSI2PK: 'USER#u1#EMAIL_ALERTS',
                GSI2SK: `f${to - 1}`,
              },
            }
          : {}),
      };
    });
}

/** The progress item with the conditions the handler relies on (claim by `nextPage`, rewind, counters). */
function progressStore() {
  let item: Record<string, unknown> | undefined;
  const fail = () => {
    throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  };
  ddb.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
    if (input.Item.SK !== PROGRESS_KEY.SK) throw new Error(`unexpected put ${String(input.Item.SK)}`);
    if (item) fail();
    item = structuredClone(input.Item);
    return {};
  });
  ddb.on(GetCommand, { Key: PROGRESS_KEY }).callsFake(() => ({ Item: item && structuredClone(item) }));
  ddb
    .on(UpdateCommand, { Key: PROGRESS_KEY })
    .callsFake(
      (input: {
        UpdateExpression: string;
        ConditionExpression?: string;
        ExpressionAttributeValues: Record<string, unknown>;
      }) => {
        const v = input.ExpressionAttributeValues;
        if (!item) fail();
        if (input.UpdateExpression.startsWith('ADD')) {
          item!.sent = Number(item!.sent ?? 0) + Number(v[':sent']);
          item!.failed = Number(item!.failed ?? 0) + Number(v[':failed']);
          return {};
        }
        const rewind = input.ConditionExpression === 'nextPage = :next';
        if (item!.nextPage !== (rewind ? v[':next'] : v[':page'])) fail();
        item!.nextPage = rewind ? v[':page'] : v[':next'];
        item!.state = rewind ? v[':sending'] : v[':state'];
        if (v[':cursor'] === undefined) delete item!.cursor;
        else item!.cursor = v[':cursor'];
        return {};
      },
    );
  return {
    get: () => item,
    set: (i: Record<string, unknown>) => {
      item = i;
    },
  };
}

const success = (n: number) => ({
  BulkEmailEntryResults: Array.from({ length: n }, (_, i) => ({ Status: 'SUCCESS' as const, MessageId: `m-${i}` })),
});
const bulkCalls = () => ses.commandCalls(SendBulkEmailCommand).map((c) => c.args[0].input);

describe('go-live-fanout', () => {
  let progress: ReturnType<typeof progressStore>;
  beforeEach(() => {
    ses.reset();
    events.reset();
    ddb.reset();
    publish.mockClear();
    Object.assign(process.env, {
      TABLE_NAME: 'Main',
      WEB_URL: 'https://shop.example.com/',
      RESOURCE_TAG: 'lvs-test',
      JOBS_BUS_NAME: 'lvs-test-jobs',
      ALERT_FROM_ADDRESS: 'Live Shop <alerts@example.com>',
      ALERT_EMAIL_TEMPLATE: 'lvs-test-go-live',
      ALERT_EMAIL_RATE: '100000',
      UNSUBSCRIBE_URL: 'https://unsub.example.com/',
    });
    delete process.env.SES_CONFIGURATION_SET;
    ddb
      .on(QueryCommand, { IndexName: 'GSI2', KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK = :sk' })
      .resolves({ Items: [profile] });
    ddb.on(GetCommand, { Key: { PK: 'USER#u1', SK: 'PROFILE' } }).resolves({ Item: profile });
    ddb.on(UpdateCommand).resolves({});
    ddb
      .on(UpdateCommand, { Key: { PK: `STREAM#${STREAM}`, SK: 'ALERTED' }, ConditionExpression: CLAIM })
      .resolves({ Attributes: { state: 'IN_PROGRESS' } });
    ddb.on(BatchWriteCommand).resolves({});
    progress = progressStore();
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    ses
      .on(SendBulkEmailCommand)
      .callsFake((input: { BulkEmailEntries: unknown[] }) => success(input.BulkEmailEntries.length));
  });

  describe('Stream Start', () => {
    it('claims the stream, starts the email fan-out at page 0, writes and pushes one notification per follower', async () => {
      ddb
        .on(QueryCommand, { IndexName: 'GSI1' })
        .resolvesOnce({ Items: followers(30), LastEvaluatedKey: { PK: 'x' } })
        .resolvesOnce({ Items: followers(60).slice(30) });

      const out = await handler(event, context());

      expect(out).toEqual({ status: 'SENT', followers: 60 });
      expect(ddb).toReceiveCommandWith(UpdateCommand, {
        Key: { PK: `STREAM#${STREAM}`, SK: 'ALERTED' },
        ConditionExpression: CLAIM,
        ExpressionAttributeValues: expect.objectContaining({ ':inProgress': 'IN_PROGRESS', ':released': 'RELEASED' }),
        ReturnValues: 'ALL_NEW',
      });
      expect(progress.get()).toMatchObject({
        streamerId: 'u1',
        name: 'Ann',
        subject: 'Ann is live',
        body: 'Rare Jordans at 8!',
        link: 'https://shop.example.com/s/ann',
        nextPage: 0,
        state: 'SENDING',
      });
      expect(events).toReceiveCommandWith(PutEventsCommand, {
        Entries: [
          {
            EventBusName: 'lvs-test-jobs',
            Source: 'lvs.alerts',
            DetailType: 'Go-Live Email Page',
            Resources: [],
            Detail: JSON.stringify({ prefix: 'lvs-test', streamId: STREAM, page: 0 }),
          },
        ],
      });
      expect(ses).not.toHaveReceivedCommand(SendBulkEmailCommand);
      const batches = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!.Main!.length);
      expect(batches.sort()).toEqual([25, 25, 5, 5].sort());
      const first = ddb.commandCalls(BatchWriteCommand)[0]!.args[0].input.RequestItems!.Main![0]!.PutRequest!.Item!;
      expect(first).toMatchObject({
        PK: 'USER#f0',
        SK: `NOTIF#2025-06-12T10:23:43.000Z#${goLiveNotificationId(STREAM, 'f0')}`,
        kind: 'GO_LIVE',
        read: false,
        link: 'https://shop.example.com/s/ann',
      });
      expect(publish).toHaveBeenCalledTimes(60);
      expect(publish).toHaveBeenCalledWith(PUBLISH_NOTIFICATION, {
        input: expect.objectContaining({ userId: 'f59', kind: 'GO_LIVE', title: 'Ann is live' }),
      });
      expect(ddb).toReceiveCommandWith(UpdateCommand, {
        ExpressionAttributeValues: expect.objectContaining({ ':v0': 'DONE' }),
      });
    });

    it('alerts nobody at a Stream Start in Preview, and everyone at Go public', async () => {
      ddb
        .on(GetCommand, { Key: { PK: 'USER#u1', SK: 'PROFILE' } })
        .resolves({ Item: { ...profile, startInPreview: true } });
      ddb.on(QueryCommand, { IndexName: 'GSI1' }).resolves({ Items: followers(3) });

      expect(await handler(event, context())).toEqual({ status: 'PREVIEW', followers: 0 });
      expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, { Key: { PK: `STREAM#${STREAM}`, SK: 'ALERTED' } });
      expect(publish).not.toHaveBeenCalled();

      const goPublic = {
        id: 'e-9',
        source: 'lvs.streams',
        'detail-type': 'Stream Went Public',
        time: '2025-06-12T10:30:00Z',
        resources: [],
        detail: { prefix: 'lvs-test', channelArn: CHANNEL_ARN, streamId: STREAM },
      };
      expect(await handler(goPublic, context())).toEqual({ status: 'SENT', followers: 3 });
      expect(publish).toHaveBeenCalledTimes(3);
      expect(
        await handler({ ...goPublic, detail: { ...goPublic.detail, prefix: 'another-stage' } }, context()),
      ).toEqual({ status: 'UNKNOWN_CHANNEL', followers: 0 });
    });

    it('retries UnprocessedItems until written', async () => {
      ddb.on(QueryCommand, { IndexName: 'GSI1' }).resolves({ Items: followers(3) });
      ddb
        .on(BatchWriteCommand)
        .resolvesOnce({ UnprocessedItems: { Main: [{ PutRequest: { Item: { PK: 'USER#f2', SK: 'NOTIF#x' } } }] } })
        .resolves({});

      await handler(event, context());

      const calls = ddb.commandCalls(BatchWriteCommand);
      expect(calls).toHaveLength(2);
      expect(calls[1]!.args[0].input.RequestItems!.Main).toEqual([
        { PutRequest: { Item: { PK: 'USER#f2', SK: 'NOTIF#x' } } },
      ]);
    });

    it('sends nothing for a stream already alerted (duplicate Stream Start)', async () => {
      ddb
        .on(UpdateCommand, { ConditionExpression: CLAIM })
        .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

      expect(await handler(event, context())).toEqual({ status: 'ALREADY_SENT', followers: 0 });
      expect(events).not.toHaveReceivedCommand(PutEventsCommand);
      expect(ddb).not.toHaveReceivedCommand(BatchWriteCommand);
      expect(progress.get()).toBeUndefined();
    });

    it('a retry after a failure resumes the email fan-out where it stands and releases the claim on failure', async () => {
      progress.set({ ...PROGRESS_KEY, streamerId: 'u1', nextPage: 2, cursor: '{"x":1}', state: 'SENDING' });
      ddb.on(QueryCommand, { IndexName: 'GSI1' }).rejects(new Error('throttled'));

      await expect(handler(event, context())).rejects.toThrow('throttled');

      expect(progress.get()).toMatchObject({ nextPage: 2, cursor: '{"x":1}' });
      expect(events).toReceiveCommandWith(PutEventsCommand, {
        Entries: [
          expect.objectContaining({ Detail: JSON.stringify({ prefix: 'lvs-test', streamId: STREAM, page: 2 }) }),
        ],
      });
      expect(ddb).toReceiveCommandWith(UpdateCommand, { ExpressionAttributeValues: { ':v0': 'RELEASED' } });
    });

    it('puts no page event once the email fan-out is done', async () => {
      progress.set({ ...PROGRESS_KEY, streamerId: 'u1', nextPage: 3, state: 'DONE' });
      ddb.on(QueryCommand, { IndexName: 'GSI1' }).resolves({ Items: [] });

      await handler(event, context());

      expect(events).not.toHaveReceivedCommand(PutEventsCommand);
    });
  });

  describe('email pages', () => {
    const start = async () => {
      ddb.on(QueryCommand, { IndexName: 'GSI1' }).resolves({ Items: [] });
      await handler(event, context());
      events.resetHistory();
    };

    it('120 opted-in followers: 3 SendBulkEmail calls (50, 50, 20) with the template and a one-click unsubscribe per destination', async () => {
      optInIndex(120);
      await start();

      expect(await handler(pageEvent(0), context())).toEqual({ status: 'DONE', page: 3, sent: 120 });

      const calls = bulkCalls();
      expect(calls.map((c) => c.BulkEmailEntries!.length)).toEqual([50, 50, 20]);
      expect(calls[0]).toMatchObject({
        FromEmailAddress: 'Live Shop <alerts@example.com>',
        DefaultContent: {
          Template: {
            TemplateName: 'lvs-test-go-live',
            Headers: [{ Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' }],
          },
        },
      });
      expect(calls[0]!.ConfigurationSetName).toBeUndefined();
      const entry = calls[2]!.BulkEmailEntries![19]!;
      const url = 'https://unsub.example.com/?u=f119&s=u1&t=token-119-abcdefghijklmnop';
      expect(entry.Destination).toEqual({ ToAddresses: ['f119@example.com'] });
      expect(entry.ReplacementHeaders).toEqual([{ Name: 'List-Unsubscribe', Value: `<${url}>` }]);
      expect(JSON.parse(entry.ReplacementEmailContent!.ReplacementTemplate!.ReplacementTemplateData!)).toEqual({
        subject: 'Ann is live',
        body: 'Rare Jordans at 8!',
        link: 'https://shop.example.com/s/ann',
        name: 'Ann',
        unsubscribeUrl: url,
      });
      const everyone = calls.flatMap((c) => c.BulkEmailEntries!.map((e) => e.Destination!.ToAddresses![0]));
      expect(new Set(everyone).size).toBe(120);
      expect(progress.get()).toMatchObject({ state: 'DONE', nextPage: 3, sent: 120, failed: 0 });
      expect(events).not.toHaveReceivedCommand(PutEventsCommand);
    });

    it('a retried or duplicate event sends nothing twice', async () => {
      optInIndex(120);
      await start();
      await handler(pageEvent(0), context());
      ses.resetHistory();

      // The same event again (at-least-once delivery), a stale page, and a retried Stream Start.
      expect(await handler(pageEvent(0), context())).toEqual({ status: 'SKIPPED', page: 0, sent: 0 });
      expect(await handler(pageEvent(2), context())).toEqual({ status: 'SKIPPED', page: 2, sent: 0 });
      ddb
        .on(UpdateCommand, { Key: { PK: `STREAM#${STREAM}`, SK: 'ALERTED' }, ConditionExpression: CLAIM })
        .resolves({ Attributes: { state: 'IN_PROGRESS' } });
      await handler(event, context());

      expect(ses).not.toHaveReceivedCommand(SendBulkEmailCommand);
      expect(events).not.toHaveReceivedCommand(PutEventsCommand);
    });

    it('two deliveries of one page event racing: only the run that claims the page sends it', async () => {
      optInIndex(60);
      await start();

      const results = await Promise.all([handler(pageEvent(0), context()), handler(pageEvent(0), context())]);

      expect(bulkCalls().map((c) => c.BulkEmailEntries!.length)).toEqual([50, 10]);
      expect(results.map((r) => r.status).sort()).toEqual(['DONE', 'SKIPPED']);
    });

    it('a send that fails as a whole gives its page back, so the retried event sends it once', async () => {
      optInIndex(70);
      await start();
      ses
        .on(SendBulkEmailCommand)
        .callsFakeOnce((input: { BulkEmailEntries: unknown[] }) => success(input.BulkEmailEntries.length))
        .rejectsOnce(new TooManyRequestsException({ message: 'Too many requests', $metadata: {} }))
        .callsFake((input: { BulkEmailEntries: unknown[] }) => success(input.BulkEmailEntries.length));

      await expect(handler(pageEvent(0), context())).rejects.toThrow('Too many requests');
      expect(progress.get()).toMatchObject({ nextPage: 1, state: 'SENDING', sent: 50 });

      expect(await handler(pageEvent(1), context())).toEqual({ status: 'DONE', page: 2, sent: 20 });
      expect(bulkCalls().map((c) => c.BulkEmailEntries!.length)).toEqual([50, 20, 20]);
      expect(progress.get()).toMatchObject({ state: 'DONE', sent: 70 });
    });

    it('sends again only the entries SES throttled, and counts the ones it refused', async () => {
      vi.useFakeTimers();
      try {
        optInIndex(5);
        await start();
        ses
          .on(SendBulkEmailCommand)
          .resolvesOnce({
            BulkEmailEntryResults: [
              { Status: 'SUCCESS' },
              { Status: 'ACCOUNT_THROTTLED' },
              { Status: 'SUCCESS' },
              { Status: 'MESSAGE_REJECTED', Error: 'rejected' },
              { Status: 'TRANSIENT_FAILURE' },
            ],
          })
          .callsFake((input: { BulkEmailEntries: unknown[] }) => success(input.BulkEmailEntries.length));

        const run = handler(pageEvent(0), context());
        await vi.runAllTimersAsync();

        expect(await run).toEqual({ status: 'DONE', page: 1, sent: 4 });
        expect(bulkCalls()[1]!.BulkEmailEntries!.map((e) => e.Destination!.ToAddresses![0])).toEqual([
          'f1@example.com',
          'f4@example.com',
        ]);
        expect(progress.get()).toMatchObject({ sent: 4, failed: 1 });
      } finally {
        vi.useRealTimers();
      }
    });

    it('hands the next page to a new event when the invocation runs short of time', async () => {
      optInIndex(120);
      await start();
      let remaining = 100_000;
      const shrinking = { getRemainingTimeInMillis: () => (remaining -= 40_000) } as unknown as Context;

      expect(await handler(pageEvent(0), shrinking)).toEqual({ status: 'CONTINUED', page: 1, sent: 50 });
      expect(events).toReceiveCommandWith(PutEventsCommand, {
        Entries: [
          expect.objectContaining({ Detail: JSON.stringify({ prefix: 'lvs-test', streamId: STREAM, page: 1 }) }),
        ],
      });

      expect(await handler(pageEvent(1), context())).toEqual({ status: 'DONE', page: 3, sent: 70 });
      expect(bulkCalls().map((c) => c.BulkEmailEntries!.length)).toEqual([50, 50, 20]);
    });

    it("names the configuration set when the stage has one, and ignores another stage's events", async () => {
      process.env.SES_CONFIGURATION_SET = 'alerts-events';
      optInIndex(1);
      await start();

      expect(await handler(pageEvent(0, 'lvs-prod'), context())).toEqual({ status: 'SKIPPED', page: 0, sent: 0 });
      expect(ses).not.toHaveReceivedCommand(SendBulkEmailCommand);
      await handler(pageEvent(0), context());
      expect(ses).toReceiveCommandWith(SendBulkEmailCommand, { ConfigurationSetName: 'alerts-events' });
    });

    it('paces SendBulkEmail calls to ALERT_EMAIL_RATE', async () => {
      process.env.ALERT_EMAIL_RATE = '200';
      optInIndex(120);
      await start();
      const started = performance.now();

      await handler(pageEvent(0), context());

      // 50 + 50 messages at 200/s must take at least 0.5 s before the last page goes out.
      expect(performance.now() - started).toBeGreaterThanOrEqual(490);
    });
  });
});
