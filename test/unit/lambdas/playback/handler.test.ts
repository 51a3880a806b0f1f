/** playback: Go public ends a Preview (listed, followers alerted through the jobs bus); playbackAccess tokens carry the IVS claims. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/playback/handler';
import {
  newPlaybackKeyPair,
  PLAYBACK_TOKEN_TTL_SECONDS,
  verifyPlaybackToken,
} from '../../../../lambdas/shared/domain/playback-token';

const ddb = mockClient(DynamoDBDocumentClient);
const events = mockClient(EventBridgeClient);
const secrets = mockClient(SecretsManagerClient);
const CHANNEL = 'arn:aws:ivs:us-east-1:123456789012:channel/AbCdef1G2hij';
const keys = newPlaybackKeyPair();
const owner = { sub: 'u1', username: 'u1', claims: { handle: 'ann' }, groups: null };
const live = {
  PK: 'USER#u1',
  SK: 'PROFILE',
  userId: 'u1',
  handle: 'ann',
  status: 'LIVE',
  channelArn: CHANNEL,
  playbackUrl: 'https://x.live-video.net/api/video/v1/ch.m3u8',
  currentStreamId: 'st-1',
  liveSince: '2026-12-03T01:00:00.000Z',
  category: 'Shoes',
};
const call = (parentTypeName: string, fieldName: string, identity: unknown, args: Record<string, unknown> = {}) =>
  handler({ arguments: args, identity, source: null, info: { parentTypeName, fieldName } });

beforeEach(() => {
  ddb.reset();
  events.reset();
  secrets.reset();
  Object.assign(process.env, {
    TABLE_NAME: 'Main',
    RESOURCE_TAG: 'lvs-test',
    JOBS_BUS_NAME: 'lvs-test-jobs',
    PLAYBACK_KEY_SECRET: 'lvs-test-playback-key',
    PLAYBACK_ORIGINS: 'https://shop.example',
  });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  secrets
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify({ privateKeyPem: keys.privateKeyPem, keyPairArn: 'arn:k' }) });
});

describe('goPublic', () => {
  it('lists the stream in Preview (live and category indexes), drops inPreview, and puts the go-public event for the alerts', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...live, inPreview: true } });
    ddb.on(UpdateCommand).resolves({ Attributes: { ...live } });

    expect(await call('Mutation', 'goPublic', owner)).toEqual({ data: live });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { PK: 'USER#u1', SK: 'PROFILE' },
      ConditionExpression: '#status = :live AND currentStreamId = :sid AND inPreview = :yes',
      UpdateExpression:
        'SET GSI1PK = :livePk, GSI1SK = :at, GSI3PK = :cat, GSI3SK = :at, updatedAt = :now REMOVE inPreview',
    });
    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'lvs-test-jobs',
          Source: 'lvs.streams',
          DetailType: 'Stream Went Public',
          Detail: JSON.stringify({ prefix: 'lvs-test', channelArn: CHANNEL, streamId: 'st-1' }),
        }),
      ],
    });
  });

  it('answers the stored state without a second alert when already public or when a concurrent Go public won', async () => {
    ddb.on(GetCommand).resolves({ Item: live });
    await call('Mutation', 'goPublic', owner);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    ddb.on(GetCommand).resolves({ Item: { ...live, inPreview: true } });
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    expect(await call('Mutation', 'goPublic', owner)).toMatchObject({ data: { handle: 'ann' } });
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('refuses when not streaming, with a sentence', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...live, status: 'OFFLINE', currentStreamId: undefined } });
    expect(await call('Mutation', 'goPublic', owner)).toMatchObject({
      error: { type: 'CONFLICT', message: expect.stringMatching(/^Start streaming first/) },
    });
  });
});

describe('playbackAccess', () => {
  it("gives a guest of a public live stream the playback URL with a token for the channel, the site's origins and a 5-minute exp", async () => {
    ddb.on(GetCommand, { Key: { PK: 'HANDLE#ann', SK: 'HANDLE' } }).resolves({ Item: { userId: 'u1' } });
    ddb.on(GetCommand, { Key: { PK: 'USER#u1', SK: 'PROFILE' } }).resolves({ Item: live });
    const before = Date.now();
    const out = (await call(
      'Query',
      'playbackAccess',
      { cognitoIdentityAuthType: 'unauthenticated' },
      { handle: 'Ann' },
    )) as { data: { status: string; playbackUrl: string; expiresAt: string } };
    expect(out.data.status).toBe('ALLOWED');
    const url = new URL(out.data.playbackUrl);
    expect(`${url.origin}${url.pathname}`).toBe(live.playbackUrl);
    const verdict = verifyPlaybackToken(url.searchParams.get('token'), CHANNEL, [keys.publicKeyPem], {
      origin: 'https://shop.example',
    });
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.claims['aws:access-control-allow-origin']).toBe('https://shop.example');
    expect(verdict.claims.exp * 1000).toBeGreaterThanOrEqual(
      Math.floor(before / 1000) * 1000 + PLAYBACK_TOKEN_TTL_SECONDS * 1000,
    );
    expect(Date.parse(out.data.expiresAt)).toBe(verdict.claims.exp * 1000);
  });
});
