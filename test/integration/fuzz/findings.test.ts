/**
 * Regressions for what the GraphQL fuzzer (graphql-fuzz.test.ts) found in the resolvers and the
 * local engine, each on the smallest input that showed it, through the local APPSYNC_JS engine on
 * DynamoDB Local:
 * - variables that do not coerce (wrong type, bad AWSJSON, a missing required one) came back
 *   without an errorType;
 * - a paging token the API never handed out reached DynamoDB and came back as a raw
 *   `DynamoDB:ValidationException` ("Invalid pagination token", "The provided starting key is invalid");
 * - an id of 100,000 characters reached DynamoDB as a key and came back as a raw
 *   `DynamoDB:ValidationException` ("Hash primary key values must be under 2048 bytes");
 * - refusals whose message was a fragment ("category is at most 40 characters").
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../local/appsync/engine';
import { useDynamoDbLocal } from '../../support/dynamo';

const db = useDynamoDbLocal();
let engine: Engine;

const cognito = (sub: string, handle: string) => ({
  mode: 'AMAZON_COGNITO_USER_POOLS' as const,
  identity: {
    sub,
    username: sub,
    claims: { handle },
    groups: null,
    issuer: 'local',
    sourceIp: ['127.0.0.1'],
    defaultAuthStrategy: 'ALLOW',
  },
});
const guest = {
  mode: 'AWS_IAM' as const,
  identity: {
    cognitoIdentityAuthType: 'unauthenticated',
    cognitoIdentityId: 'us-east-1:guest',
    accountId: '000000000000',
    sourceIp: ['127.0.0.1'],
    userArn: 'arn:aws:sts::000000000000:assumed-role/guest',
    username: 'guest',
  },
};
const ann = cognito('s-ann', 'ann');
type Answer = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; errorType?: string | null; errorInfo?: Record<string, unknown> | null }[];
};
const gql = (query: string, auth: unknown, variables: Record<string, unknown> = {}) =>
  engine.execute({ query, variables, auth: auth as never }) as Promise<Answer>;
const HUGE = 'x'.repeat(100_000);
const itemCount = async () =>
  (await db.client.send(new ScanCommand({ TableName: db.tableName, Select: 'COUNT', ConsistentRead: true }))).Count;

beforeAll(async () => {
  engine = createEngine({
    dynamo: db.client,
    tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
    invokeLambda: async () => {
      throw new Error('no Lambda in this test');
    },
  });
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: { PK: 'USER#s-ann', SK: 'PROFILE', userId: 's-ann', handle: 'ann', status: 'OFFLINE' },
    }),
  );
});

describe('fuzzer findings, fixed', () => {
  it('variables that do not coerce are refused as ValidationError (wrong type, bad AWSJSON, required one missing)', async () => {
    const wrongType = await gql('query($l: Int) { recentReplays(limit: $l) { nextToken } }', guest, { l: true });
    const badJson = await gql('mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }', ann, {
      i: {
        channelId: 's-ann',
        title: 'Lamp',
        type: 'GENERIC',
        params: '{',
        saleMode: 'BUY_NOW',
        currency: 'USD',
        buyNowPrice: 100,
      },
    });
    const missing = await gql('mutation($p: ID!) { startAuction(productId: $p) { status } }', ann, {});
    for (const answer of [wrongType, badJson, missing]) {
      expect(answer.data).toBeNull();
      expect(answer.errors?.[0]).toMatchObject({
        errorType: 'ValidationError',
        message: expect.stringMatching(/^Variable "\$\w+"/),
      });
    }
  });

  it('a paging token the API never gave out is VALIDATION on nextToken, for every DynamoDB-backed list', async () => {
    const forged = Buffer.from(JSON.stringify({ PK: { S: 'USER#someone-else' }, SK: { S: 'PROFILE' } })).toString(
      'base64',
    );
    const lists: [string, unknown][] = [
      ['query($t: String) { recentReplays(nextToken: $t) { nextToken } }', guest],
      ['query($t: String) { upcomingStreams(nextToken: $t) { nextToken } }', guest],
      ['query($t: String) { recordings(userId: "s-ann", nextToken: $t) { nextToken } }', guest],
      ['query($t: String) { salesOfStream(streamId: "st-1", nextToken: $t) { nextToken } }', guest],
      ['query($t: String) { following(nextToken: $t) { nextToken } }', ann],
      ['query($t: String) { myBids(nextToken: $t) { nextToken } }', ann],
      ['query($t: String) { myPurchases(nextToken: $t) { nextToken } }', ann],
    ];
    for (const [query, auth] of lists) {
      for (const token of ['not a token %%', forged]) {
        const answer = await gql(query, auth, { t: token });
        expect(answer.errors?.[0], `${query} with ${token}`).toMatchObject({
          errorType: 'VALIDATION',
          errorInfo: { field: 'nextToken' },
          message: 'This page link is not valid for this list; load the list again from its first page.',
        });
      }
    }
  });

  it('an id of 100,000 characters is VALIDATION, and the refused mutation writes nothing', async () => {
    const before = await itemCount();
    const calls: [string, unknown, Record<string, unknown>][] = [
      ['mutation($v: ID!) { startAuction(productId: $v) { status } }', ann, { v: HUGE }],
      ['mutation($v: ID!) { closeAuction(productId: $v) { outcome } }', ann, { v: HUGE }],
      ['mutation($v: ID!) { cancelScheduledStream(scheduleId: $v) { cancelled } }', ann, { v: HUGE }],
      ['mutation($v: ID!) { setRecordingKeep(recordingId: $v, keep: true) { keep } }', ann, { v: HUGE }],
      ['query($v: ID!) { streamSession(streamId: $v) { status } }', guest, { v: HUGE }],
    ];
    for (const [query, auth, variables] of calls) {
      const answer = await gql(query, auth, variables);
      expect(answer.errors?.[0], query).toMatchObject({
        errorType: 'VALIDATION',
        message: 'A value in the request is too long.',
      });
    }
    expect(await itemCount()).toBe(before);
  });

  it('refusals read as sentences', async () => {
    const schedule = await gql('mutation($i: ScheduleStreamInput!) { scheduleStream(input: $i) { scheduleId } }', ann, {
      i: { title: 'Night show', category: 'c'.repeat(41), startsAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(schedule.errors?.[0]).toMatchObject({
      errorType: 'VALIDATION',
      message: 'A category has at most 40 characters.',
      errorInfo: { field: 'category' },
    });
    const bid = await gql('mutation($i: PlaceBidInput!) { placeBid(input: $i) { bidId } }', cognito('v1', 'vic'), {
      i: { productId: 'prd_00000000000000000000', amount: 1000, bidId: 'short' },
    });
    expect(bid.errors?.[0]).toMatchObject({
      errorType: 'VALIDATION',
      message: 'A bid id has 8 to 64 characters.',
      errorInfo: { field: 'bidId' },
    });
    const details = await gql(
      'mutation($i: UpdateStreamDetailsInput!) { updateStreamDetails(input: $i) { title } }',
      ann,
      { i: { thumbnailUrl: `https://example.com/${'a'.repeat(3000)}` } },
    );
    expect(details.errors?.[0]).toMatchObject({
      errorType: 'VALIDATION',
      message: expect.stringMatching(/^The thumbnailUrl can be at most \d+ characters\.$/),
    });
  });
});
