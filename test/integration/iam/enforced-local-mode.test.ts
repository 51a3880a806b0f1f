/**
 * The local mode with IAM enforced (`iam: 'enforce'`): every AWS call a Lambda makes is evaluated by
 * the local stand-in against that function's role policy from the synthesized template. The control,
 * chat, commerce and recording flows that reach IVS, IVS Chat, DynamoDB, S3, SES and EventBridge run through it with no refusal,
 * and taking the stream-key grants away (the defect of issue 13, point 1) makes provisioning fail
 * with AccessDeniedException naming the action and the stream-key resource.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetChannelCommand, IvsClient } from '@aws-sdk/client-ivs';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../local/appsync/engine';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { CALLER_HEADER } from '../../../local/iam/caller';
import { startLocalPlatform, type LocalPlatform } from '../../../local/start';

let platform: LocalPlatform;
let engine: Engine;
let dataDir: string;
// GraphQL answers are checked by value.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const cognito = (sub: string, handle: string) => ({
  mode: 'AMAZON_COGNITO_USER_POOLS' as const,
  identity: {
    sub,
    username: sub,
    claims: { handle, preferred_username: handle, email: `${handle}@example.com` },
    groups: null,
    issuer: 'local',
    sourceIp: ['127.0.0.1'],
    defaultAuthStrategy: 'ALLOW',
  },
});
const gql = async (query: string, auth: unknown, variables: Record<string, unknown> = {}) => {
  return (await engine.execute({ query, variables, auth: auth as never })) as {
    data?: Record<string, Loose>;
    errors?: { message: string; errorType?: string }[];
  };
};
const ann = cognito('s-ann', 'ann');
const bob = cognito('f-bob', 'bob');
const denials = () => platform.iam!.authorizer.denials;
const evaluated = (caller: string, action: string) =>
  platform.iam!.authorizer.evaluated.filter((e) => e.caller === caller && e.action === action);
/** provisionMe answers PROVISIONING at once; the table stream runs provision-streamer, which ends READY or FAILED. */
const provision = async (auth: unknown, handle: string): Promise<{ status?: string; error?: string }> => {
  const started = await gql(`mutation { provisionMe(handle: "${handle}") { status } }`, auth);
  expect(started.errors).toBeUndefined();
  const end = Date.now() + 60_000;
  for (;;) {
    await platform.settled();
    const now = await gql('query { myProvisioning { status error } }', auth);
    const status = now.data?.myProvisioning?.status as string | undefined;
    if (status === 'READY' || status === 'FAILED' || Date.now() > end) return now.data?.myProvisioning ?? {};
    await new Promise((r) => setTimeout(r, 200));
  }
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'iam-local-'));
  platform = await startLocalPlatform({
    dataDir,
    ports: 'free',
    iam: 'enforce',
    web: false,
    scheduleEveryMs: 0,
    log: () => undefined,
  });
  const dynamo = new DynamoDBClient({
    endpoint: platform.endpoints.dynamodbUrl,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  engine = createEngine({
    dynamo,
    tables: { Main: 'local-Main', Idempotency: 'local-Idempotency' },
    invokeLambda: (name, payload) => platform.runner.invoke(name, payload),
  });
});

afterAll(async () => {
  await platform?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('IAM enforced in the local mode', () => {
  it("provisions a streamer (IVS channel + key, chat room, tables) under provision-streamer's role", async () => {
    expect(await provision(ann, 'ann')).toMatchObject({ status: 'READY' });
    expect(denials()).toEqual([]);
    // The checks really ran, on both resource types IVS authorizes CreateChannel against.
    expect(
      evaluated('provision-streamer', 'ivs:CreateChannel').map((e) => e.resource.split(':').pop()?.split('/')[0]),
    ).toEqual(['channel', 'stream-key']);
    expect(evaluated('provision-streamer', 'ivschat:CreateRoom').length).toBeGreaterThan(0);
    expect(
      evaluated('provision-streamer', 'dynamodb:PutItem').length +
        evaluated('provision-streamer', 'dynamodb:UpdateItem').length,
    ).toBeGreaterThan(0);
  });

  it("reads and rotates the stream key under stream-key's role", async () => {
    const before = await gql('query { myStreamKey { streamKey } }', ann);
    expect(before.errors).toBeUndefined();
    const rotated = await gql('mutation { rotateStreamKey { streamKey } }', ann);
    expect(rotated.errors).toBeUndefined();
    expect(rotated.data?.rotateStreamKey.streamKey).not.toBe(before.data?.myStreamKey.streamKey);
    expect(evaluated('stream-key', 'ivs:CreateStreamKey').every((e) => e.allowed)).toBe(true);
    expect(evaluated('stream-key', 'ivs:DeleteStreamKey').length).toBeGreaterThan(0);
    expect(denials()).toEqual([]);
  });

  it("mints chat tokens, moderates and opts in to alerts (IVS Chat, DynamoDB) under each function's role", async () => {
    const token = await gql('mutation { createChatToken(channelId: "s-ann") { token role } }', bob);
    expect(token.errors).toBeUndefined();
    const ban = await gql('mutation { banUser(channelId: "s-ann", userId: "f-bob", reason: "spam") { action } }', ann);
    expect(ban.errors).toBeUndefined();
    const del = await gql('mutation { deleteChatMessage(channelId: "s-ann", messageId: "m-1") { action } }', ann);
    expect(del.errors).toBeUndefined();
    const alert = await gql(
      'mutation { setAlertPreference(streamerId: "s-ann", email: true) { email } }',
      cognito('f-cy', 'cy'),
    );
    expect(alert.errors).toBeUndefined();
    expect(evaluated('chat-token', 'ivschat:CreateChatToken')).toHaveLength(1);
    expect(
      evaluated('chat-moderation', 'ivschat:DisconnectUser').length +
        evaluated('chat-moderation', 'ivschat:DeleteMessage').length,
    ).toBeGreaterThan(0);
    expect(
      evaluated('alert-preferences', 'dynamodb:UpdateItem').length +
        evaluated('alert-preferences', 'dynamodb:PutItem').length,
    ).toBeGreaterThan(0);
    expect(denials()).toEqual([]);
  });

  it("sends a featured product's cue (sale-markers → PutMetadata) under sale-markers' role", async () => {
    const created = await gql('mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }', ann, {
      i: {
        channelId: 's-ann',
        title: 'Retro tee',
        type: 'APPAREL',
        params: JSON.stringify({ size: 'M', colour: 'red' }),
        saleMode: 'BUY_NOW',
        currency: 'USD',
        buyNowPrice: 2500,
      },
    });
    expect(created.errors).toBeUndefined();
    const featured = await gql('mutation($p: ID!) { featureProduct(productId: $p) { featured } }', ann, {
      p: created.data?.createProduct.productId,
    });
    expect(featured.errors).toBeUndefined();
    const end = Date.now() + 30_000;
    while (!evaluated('sale-markers', 'ivs:PutMetadata').length && Date.now() < end) {
      await platform.settled();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(evaluated('sale-markers', 'ivs:PutMetadata').every((e) => e.allowed)).toBe(true);
    expect(evaluated('sale-markers', 'ivs:PutMetadata').length).toBeGreaterThan(0);
    expect(denials()).toEqual([]);
  });

  it('goes live from the IVS event (stream-state, go-live-fanout: DynamoDB, SES) and polls health (IVS) under each role', async () => {
    const profile = await new DynamoDBClient({
      endpoint: platform.endpoints.dynamodbUrl,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }).send(new GetItemCommand({ TableName: 'local-Main', Key: { PK: { S: 'USER#s-ann' }, SK: { S: 'PROFILE' } } }));
    const channelArn = profile.Item?.channelArn?.S as string;
    // IVS puts this event on the bus itself: an unsigned PutEvents stands in for it.
    await new EventBridgeClient({
      endpoint: platform.endpoints.eventsUrl,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }).send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'aws.ivs',
            DetailType: 'IVS Stream State Change',
            Resources: [channelArn],
            Detail: JSON.stringify({
              event_name: 'Stream Start',
              channel_name: 'ann',
              stream_id: 'st-iam0000000000000001',
            }),
          },
        ],
      }),
    );
    await platform.settled();
    expect(
      platform.iam!.authorizer.evaluated.some((e) => e.caller === 'stream-state' && e.action.startsWith('dynamodb:')),
    ).toBe(true);
    // cy opted in to e-mail alerts above, so the fan-out sends one bulk e-mail call.
    expect(evaluated('go-live-fanout', 'ses:SendBulkEmail').length).toBeGreaterThan(0);
    expect(evaluated('go-live-fanout', 'ses:SendBulkEmail').every((e) => e.allowed)).toBe(true);
    await platform.runner.invoke('stream-health-poller', {});
    expect(evaluated('stream-health-poller', 'ivs:GetStream').length).toBeGreaterThan(0);
    expect(denials()).toEqual([]);
  });

  it('restores an archived replay (replay claims it and queues a job; the recording-objects worker restores; restore-completed on the S3 event) under each role', async () => {
    const prefix = 'ivs/v1/000000000000/AbCdef1G2hij/2026/12/2/11/0/rec1';
    const put = (key: string, body: string) =>
      fetch(`${platform.endpoints.s3Url}/local-recordings/${prefix}/${key}`, { method: 'PUT', body });
    await put('media/hls/master.m3u8', '#EXTM3U\n');
    // Intelligent-Tiering never archives objects under 128 KB; the segment is one that moves.
    await put('media/hls/720p60/0.ts', 'x'.repeat(300 * 1024));
    const archived = await fetch(
      `${platform.endpoints.s3Url}/_local/archive?bucket=local-recordings&prefix=${encodeURIComponent(`${prefix}/`)}`,
      { method: 'POST' },
    );
    expect(await archived.json()).toEqual({ archived: 2 });
    await new DynamoDBClient({
      endpoint: platform.endpoints.dynamodbUrl,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }).send(
      new PutItemCommand({
        TableName: 'local-Main',
        Item: {
          PK: { S: 'RECORDING#rec-iam' },
          SK: { S: 'RECORDING' },
          recordingId: { S: 'rec-iam' },
          state: { S: 'READY' },
          bucket: { S: 'local-recordings' },
          s3Prefix: { S: prefix },
          channelId: { S: 's-ann' },
        },
      }),
    );
    const asked = (await platform.runner.invoke('replay', {
      arguments: { recordingId: 'rec-iam' },
      identity: { sub: 'f-bob' },
    })) as Loose;
    expect(asked).toMatchObject({ data: { status: 'RESTORING' } });
    await platform.settled();
    expect(evaluated('replay', 'events:PutEvents').length).toBeGreaterThan(0);
    for (const action of ['s3:ListBucket', 's3:RestoreObject'])
      expect(evaluated('recording-objects', action).length, action).toBeGreaterThan(0);
    // Restores left the request path: replay sends no bulk S3 call of its own.
    expect(evaluated('replay', 's3:RestoreObject')).toEqual([]);
    expect(platform.iam!.authorizer.evaluated.some((e) => e.caller === 'restore-completed')).toBe(true);
    expect(denials()).toEqual([]);
  });

  it('refuses a call the role does not allow, like AWS: provisioning without the stream-key grants', async () => {
    const principal = platform.iam!.principals.get('provision-streamer')!;
    const saved = principal.policies;
    principal.policies = saved.map(({ name, policy }) => ({
      name,
      policy: {
        ...policy,
        Statement: policy.Statement.map((s) => ({
          ...s,
          Resource: ([] as unknown[]).concat(s.Resource).filter((r) => !String(r).includes(':stream-key/')),
        })).filter((s) => s.Resource.length),
      },
    }));
    try {
      // The run fails (FAILED, with the reason) rather than the mutation: it only starts the run.
      expect(await provision(cognito('s-dee', 'dee'), 'dee')).toMatchObject({ status: 'FAILED' });
      expect(denials()).toContainEqual(
        expect.objectContaining({
          caller: 'provision-streamer',
          action: 'ivs:CreateChannel',
          resource: expect.stringMatching(/^arn:aws:ivs:us-east-1:000000000000:stream-key\//),
          message: expect.stringMatching(
            /is not authorized to perform: ivs:CreateChannel on resource: arn:aws:ivs:.*:stream-key\//,
          ),
        }),
      );
    } finally {
      principal.policies = saved;
      denials().length = 0;
    }
  });

  it("answers a refused call as AWS does (403 AccessDeniedException) to the calling function's SDK client", async () => {
    const ivs = new IvsClient({
      endpoint: platform.endpoints.ivsUrl,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    // chat-token's role has no IVS grant at all.
    ivs.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers[CALLER_HEADER] = 'chat-token';
        return next(args);
      },
      { step: 'build' },
    );
    const error = (await ivs
      .send(new GetChannelCommand({ arn: 'arn:aws:ivs:us-east-1:000000000000:channel/AbCdef1G2hij' }))
      .catch((e: unknown) => e)) as { name: string; $metadata: { httpStatusCode: number }; message: string };
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toContain(
      'not authorized to perform: ivs:GetChannel on resource: arn:aws:ivs:us-east-1:000000000000:channel/AbCdef1G2hij',
    );
    const dynamo = new DynamoDBClient({
      endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    dynamo.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers[CALLER_HEADER] = 'chat-token';
        return next(args);
      },
      { step: 'build' },
    );
    const ddbError = (await dynamo
      .send(new GetItemCommand({ TableName: 'local-Idempotency', Key: { id: { S: 'x' } } }))
      .catch((e: unknown) => e)) as { name: string };
    expect(ddbError.name).toBe('AccessDeniedException');
    expect(denials().map((d) => d.action)).toEqual(['ivs:GetChannel', 'dynamodb:GetItem']);
    denials().length = 0;
  });

  it("tears the runtime resources down (custom resource Delete) under runtime-teardown's role", async () => {
    const profile = await new DynamoDBClient({
      endpoint: platform.endpoints.dynamodbUrl,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }).send(new GetItemCommand({ TableName: 'local-Main', Key: { PK: { S: 'USER#s-ann' }, SK: { S: 'PROFILE' } } }));
    const channelArn = profile.Item?.channelArn?.S;
    expect(channelArn).toMatch(/:channel\//);
    await platform.runner.invoke('runtime-teardown', {
      RequestType: 'Delete',
      ResourceProperties: { Tag: 'local', Stage: 'local' },
      PhysicalResourceId: 'teardown',
    });
    expect(denials()).toEqual([]);
    expect(evaluated('runtime-teardown', 'ivs:DeleteChannel').map((e) => e.resource)).toContain(channelArn);
    const ivs = new IvsClient({
      endpoint: platform.endpoints.ivsUrl,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    await expect(ivs.send(new GetChannelCommand({ arn: channelArn }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
