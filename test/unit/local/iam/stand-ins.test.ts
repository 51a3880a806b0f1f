/**
 * Each local stand-in, given an authorizer, refuses a call its caller's policy does not allow and
 * answers as the AWS service does; the same call is served when allowed, and unsigned calls pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoomCommand, GetRoomCommand, IvschatClient } from '@aws-sdk/client-ivschat';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateEmailTemplateCommand, SendBulkEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEvents, type LocalEvents } from '../../../../local/events/bus';
import { startLambdaEndpoint } from '../../../../local/lambda/endpoint';
import { CALLER_HEADER } from '../../../../local/iam/caller';
import { createAuthorizer, type Authorizer } from '../../../../local/iam/evaluator';
import { startLocalIvsChat, type LocalIvsChat } from '../../../../local/ivschat/index';
import { startLocalS3, type LocalS3 } from '../../../../local/s3/index';
import { startLocalSes, type LocalSes } from '../../../../local/ses/index';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const SES = `arn:aws:ses:${REGION}:${ACCOUNT}`;
let dir: string;
let authorizer: Authorizer;
let events: LocalEvents;
let ses: LocalSes;
let s3: LocalS3;
let chat: LocalIvsChat;

/** Sends as `caller` (the header the runner's hook stamps on a Lambda's requests). */
type Next = (args: { request: unknown }) => Promise<unknown>;
function as<C extends { middlewareStack: unknown }>(client: C, caller: string): C {
  (client.middlewareStack as { add(mw: (next: Next) => Next, opts: { step: string }): void }).add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers[CALLER_HEADER] = caller;
      return next(args);
    },
    { step: 'build' },
  );
  return client;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iam-stand-ins-'));
  const allowed = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
      },
      {
        Effect: 'Allow',
        Action: 'ses:SendBulkEmail',
        Resource: [`${SES}:identity/example.com`, `${SES}:template/local-go-live`],
      },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::local-recordings/*' },
      { Effect: 'Allow', Action: 'ivschat:CreateRoom', Resource: `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/*` },
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:local-provision-streamer`,
      },
    ],
  };
  const principals = new Map([
    [
      'allowed',
      { name: 'allowed', roleArn: `arn:aws:iam::${ACCOUNT}:role/allowed`, policies: [{ name: 'p', policy: allowed }] },
    ],
    ['bare', { name: 'bare', roleArn: `arn:aws:iam::${ACCOUNT}:role/bare`, policies: [] }],
  ]);
  authorizer = createAuthorizer({ principals, account: ACCOUNT });
  events = await startLocalEvents({ invoke: async () => undefined, port: 0, scheduleEveryMs: 0, iam: authorizer });
  ses = await startLocalSes({
    outboxDir: join(dir, 'outbox'),
    verifiedIdentities: ['example.com'],
    port: 0,
    iam: authorizer,
  });
  // Template set-up is the stack's (unsigned here: calls that name no function are not checked).
  await new SESv2Client({ endpoint: ses.url, region: REGION, credentials }).send(
    new CreateEmailTemplateCommand({
      TemplateName: 'local-go-live',
      TemplateContent: { Subject: 'Live', Text: 'Live now' },
    }),
  );
  s3 = await startLocalS3({ dataDir: join(dir, 's3'), port: 0, buckets: ['local-recordings'], iam: authorizer });
  chat = await startLocalIvsChat({
    dataDir: join(dir, 'chat'),
    port: 0,
    messagingPort: 0,
    invokeReviewHandler: async () => ({}),
    iam: authorizer,
  });
});

afterAll(async () => {
  await Promise.all([events?.stop(), ses?.stop(), s3?.stop(), chat?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({ name: 'none', status: 0, message: '' }),
    (e: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => ({
      name: e.name,
      status: e.$metadata?.httpStatusCode,
      message: e.message,
    }),
  );

describe('stand-ins with IAM', () => {
  it('event bus: PutEvents refused with AccessDeniedException (HTTP 400), allowed for the granted caller', async () => {
    const put = (caller: string) =>
      as(new EventBridgeClient({ endpoint: events.url, region: REGION, credentials }), caller).send(
        new PutEventsCommand({ Entries: [{ Source: 'live-shopping', DetailType: 'Stream Health', Detail: '{}' }] }),
      );
    expect(await failure(put('bare'))).toMatchObject({
      name: 'AccessDeniedException',
      status: 400,
      message: expect.stringContaining(
        'events:PutEvents on resource: arn:aws:events:us-east-1:000000000000:event-bus/default',
      ),
    });
    await expect(put('allowed')).resolves.toMatchObject({ FailedEntryCount: 0 });
  });

  it('SES: SendBulkEmail refused with AccessDeniedException (HTTP 403) on the identity and template, allowed for the granted caller', async () => {
    const send = (caller: string) =>
      as(new SESv2Client({ endpoint: ses.url, region: REGION, credentials }), caller).send(
        new SendBulkEmailCommand({
          FromEmailAddress: 'alerts@example.com',
          DefaultContent: { Template: { TemplateName: 'local-go-live', TemplateData: '{}' } },
          BulkEmailEntries: [{ Destination: { ToAddresses: ['viewer@example.org'] } }],
        }),
      );
    expect(await failure(send('bare'))).toMatchObject({
      name: 'AccessDeniedException',
      status: 403,
      message: expect.stringContaining(`ses:SendBulkEmail on resource: ${SES}:identity/example.com`),
    });
    await expect(send('allowed')).resolves.toMatchObject({ BulkEmailEntryResults: [{ Status: 'SUCCESS' }] });
  });

  it('S3: GetObject refused with AccessDenied (HTTP 403); unsigned setup calls are not checked', async () => {
    await new S3Client({ endpoint: s3.url, region: REGION, credentials, forcePathStyle: true }).send(
      new PutObjectCommand({ Bucket: 'local-recordings', Key: 'a.txt', Body: 'x' }),
    );
    const get = (caller: string) =>
      as(new S3Client({ endpoint: s3.url, region: REGION, credentials, forcePathStyle: true }), caller).send(
        new GetObjectCommand({ Bucket: 'local-recordings', Key: 'a.txt' }),
      );
    expect(await failure(get('bare'))).toMatchObject({ name: 'AccessDenied', status: 403 });
    await expect(get('allowed')).resolves.toMatchObject({ ContentLength: 1 });
  });

  it('IVS Chat: a room action the role lacks refused with AccessDeniedException (HTTP 403)', async () => {
    const client = (caller: string) =>
      as(new IvschatClient({ endpoint: chat.url, region: REGION, credentials }), caller);
    const room = await client('allowed').send(new CreateRoomCommand({ name: 'r' }));
    expect(await failure(client('allowed').send(new GetRoomCommand({ identifier: room.arn })))).toMatchObject({
      name: 'AccessDeniedException',
      status: 403,
      message: expect.stringContaining(`ivschat:GetRoom on resource: ${room.arn}`),
    });
    expect(authorizer.denials.map((d) => `${d.caller} ${d.action}`)).toEqual([
      'bare events:PutEvents',
      'bare ses:SendBulkEmail',
      'bare s3:GetObject',
      'allowed ivschat:GetRoom',
    ]);
    authorizer.denials.length = 0;
  });

  it('Lambda: Invoke by a function refused with AccessDeniedException (HTTP 403) unless its role allows lambda:InvokeFunction on the target', async () => {
    const endpoint = await startLambdaEndpoint({ invoke: async () => ({ ok: true }) }, 0, {}, authorizer);
    const call = (caller?: string) =>
      fetch(`${endpoint.url}/2015-03-31/functions/local-provision-streamer/invocations`, {
        method: 'POST',
        body: '{}',
        headers: caller ? { [CALLER_HEADER]: caller } : {},
      });
    try {
      const refused = await call('bare');
      expect(refused.status).toBe(403);
      expect(refused.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
      expect((await call('allowed')).status).toBe(200);
      expect((await call()).status).toBe(200);
    } finally {
      await endpoint.stop();
    }
  });
});
