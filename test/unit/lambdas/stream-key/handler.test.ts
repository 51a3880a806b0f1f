import {
  CreateStreamKeyCommand,
  DeleteStreamKeyCommand,
  IvsClient,
  ListStreamKeysCommand,
  StopStreamCommand,
} from '@aws-sdk/client-ivs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/stream-key/handler';
import { fakeTable } from '../provision-streamer/fake-table';

const ivs = mockClient(IvsClient);
const ddb = mockClient(DynamoDBDocumentClient);
const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';

const call = (fieldName: string, sub: string, args: Record<string, unknown> = {}) =>
  handler({
    arguments: args,
    identity: { sub, claims: {} },
    source: null,
    info: { fieldName, parentTypeName: fieldName === 'myStreamKey' ? 'Query' : 'Mutation' },
  });

describe('stream-key', () => {
  let table: ReturnType<typeof fakeTable>;
  beforeEach(() => {
    ivs.reset();
    ddb.reset();
    table = fakeTable(ddb);
    Object.assign(process.env, { TABLE_NAME: 'Main', RESOURCE_TAG: 'live-shopping-test' });
    table.put({
      PK: 'USER#u1',
      SK: 'PROFILE',
      userId: 'u1',
      status: 'OFFLINE',
      channelArn: CHANNEL_ARN,
      ingestEndpoint: '127.0.0.1',
    });
    table.put({
      PK: 'USER#u1',
      SK: 'STREAMKEY',
      streamKeyArn: 'arn:k1',
      streamKey: 'sk_old',
      createdAt: '2025-01-01T00:00:00.000Z',
    });
    ivs.on(ListStreamKeysCommand).resolves({ streamKeys: [{ arn: 'arn:k1', channelArn: CHANNEL_ARN }] });
    ivs.on(CreateStreamKeyCommand).resolves({ streamKey: { arn: 'arn:k2', value: 'sk_new', channelArn: CHANNEL_ARN } });
  });

  it('gives the owner an RTMPS URL built from the channel ingest endpoint', async () => {
    const result = await call('myStreamKey', 'u1');
    expect(result).toEqual({
      data: {
        ingestServer: 'rtmps://127.0.0.1:443/app/',
        streamKey: 'sk_old',
        url: 'rtmps://127.0.0.1:443/app/sk_old',
        createdAt: '2025-01-01T00:00:00.000Z',
      },
    });
  });

  it('answers NOT_FOUND for a caller without a channel and UNAUTHORIZED for guests', async () => {
    expect(await call('myStreamKey', 'someone')).toMatchObject({ error: { type: 'NOT_FOUND' } });
    const guest = await handler({
      arguments: {},
      identity: { cognitoIdentityAuthType: 'unauthenticated' },
      source: null,
      info: { fieldName: 'myStreamKey', parentTypeName: 'Query' },
    });
    expect(guest).toMatchObject({ error: { type: 'UNAUTHORIZED' } });
  });

  it('rotates: deletes the old key in IVS, creates a new one, stores it', async () => {
    const result = (await call('rotateStreamKey', 'u1')) as { data: { streamKey: string; url: string } };

    expect(ivs).toReceiveCommandWith(DeleteStreamKeyCommand, { arn: 'arn:k1' });
    expect(ivs).toReceiveCommandWith(CreateStreamKeyCommand, {
      channelArn: CHANNEL_ARN,
      tags: { owner: 'u1', platform: 'live-shopping-test' },
    });
    expect(ivs).not.toHaveReceivedCommand(StopStreamCommand);
    expect(result.data).toMatchObject({ streamKey: 'sk_new', url: 'rtmps://127.0.0.1:443/app/sk_new' });
    expect(table.get('USER#u1', 'STREAMKEY')).toMatchObject({ streamKey: 'sk_new', streamKeyArn: 'arn:k2' });
    expect(await call('myStreamKey', 'u1')).toMatchObject({ data: { streamKey: 'sk_new' } });
  });

  it('refuses while live with STREAM_LIVE, and stops the stream when forced', async () => {
    table.put({
      PK: 'USER#u1',
      SK: 'PROFILE',
      userId: 'u1',
      status: 'LIVE',
      channelArn: CHANNEL_ARN,
      ingestEndpoint: 'x.global-contribute.live-video.net',
    });

    expect(await call('rotateStreamKey', 'u1')).toMatchObject({ error: { type: 'STREAM_LIVE' } });
    expect(ivs).not.toHaveReceivedCommand(DeleteStreamKeyCommand);

    const forced = await call('rotateStreamKey', 'u1', { force: true });
    expect(forced).toMatchObject({ data: { streamKey: 'sk_new' } });
    expect(ivs).toReceiveCommandWith(StopStreamCommand, { channelArn: CHANNEL_ARN });
    expect(ivs).toReceiveCommandWith(DeleteStreamKeyCommand, { arn: 'arn:k1' });
  });
});
