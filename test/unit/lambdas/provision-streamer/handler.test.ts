import { readFileSync } from 'node:fs';
import { CreateChannelCommand, CreateStreamKeyCommand, GetChannelCommand, IvsClient, ListChannelsCommand, ListStreamKeysCommand } from '@aws-sdk/client-ivs';
import { CreateRoomCommand, IvschatClient, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CHAT_FALLBACK_RESULT, handler } from '../../../../lambdas/provision-streamer/handler';
import { fakeTable } from './fake-table';

const ivs = mockClient(IvsClient);
const chat = mockClient(IvschatClient);
const ddb = mockClient(DynamoDBDocumentClient);

const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';
const ROOM_ARN = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3j4k5L6';
const appsync = (sub: string, handle?: string) => ({
  arguments: handle ? { handle } : {},
  identity: { sub, username: sub, claims: { preferred_username: 'Ann_Sells', email: 'ann@example.com' } },
  source: null,
  info: { fieldName: 'provisionMe', parentTypeName: 'Mutation' },
});

describe('provision-streamer', () => {
  let table: ReturnType<typeof fakeTable>;
  beforeEach(() => {
    ivs.reset();
    chat.reset();
    ddb.reset();
    table = fakeTable(ddb);
    Object.assign(process.env, {
      TABLE_NAME: 'Main', RESOURCE_TAG: 'live-shopping-test', CHANNEL_TYPE: 'STANDARD',
      RECORDING_CONFIGURATION_ARN: 'arn:aws:ivs:us-west-2:123456789012:recording-configuration/Rc1',
      CHAT_REVIEW_FUNCTION_ARN: 'arn:aws:lambda:us-west-2:123456789012:function:chat-review',
      CHAT_LOGGING_CONFIGURATION_ARN: 'arn:aws:ivschat:us-west-2:123456789012:logging-configuration/Lc1',
    });
    ivs.on(ListChannelsCommand).resolves({ channels: [] });
    ivs.on(CreateChannelCommand).resolves({
      channel: { arn: CHANNEL_ARN, ingestEndpoint: 'abc.global-contribute.live-video.net', playbackUrl: 'https://abc.us-west-2.playback.live-video.net/api/video/v1/x.m3u8' },
      streamKey: { arn: 'arn:aws:ivs:us-west-2:123456789012:stream-key/k1', value: 'sk_us-west-2_secret1', channelArn: CHANNEL_ARN },
    });
    chat.on(ListRoomsCommand).resolves({ rooms: [] });
  });

  it('creates a LOW latency channel with recording and tags, a reviewed chat room and the profile', async () => {
    chat.on(CreateRoomCommand).resolves({ arn: ROOM_ARN });

    const result = await handler(appsync('user-1')) as { data: Record<string, unknown> };

    expect(ivs).toReceiveCommandWith(CreateChannelCommand, {
      name: 'live-shopping-test-user-1', latencyMode: 'LOW', type: 'STANDARD', authorized: false,
      recordingConfigurationArn: 'arn:aws:ivs:us-west-2:123456789012:recording-configuration/Rc1',
      tags: { owner: 'user-1', platform: 'live-shopping-test' },
    });
    expect(chat).toReceiveCommandWith(CreateRoomCommand, {
      name: 'live-shopping-test-user-1',
      messageReviewHandler: { uri: 'arn:aws:lambda:us-west-2:123456789012:function:chat-review', fallbackResult: CHAT_FALLBACK_RESULT },
      loggingConfigurationIdentifiers: ['arn:aws:ivschat:us-west-2:123456789012:logging-configuration/Lc1'],
      tags: { owner: 'user-1', platform: 'live-shopping-test' },
    });
    // CreateChannel already made the key: no second key (the per-channel quota is 1).
    expect(ivs).not.toHaveReceivedCommand(CreateStreamKeyCommand);
    expect(result.data).toMatchObject({ userId: 'user-1', handle: 'Ann_Sells', status: 'OFFLINE', channelArn: CHANNEL_ARN, chatRoomArn: ROOM_ARN, followerCount: 0 });
    expect(table.get('USER#user-1', 'STREAMKEY')).toMatchObject({ streamKey: 'sk_us-west-2_secret1' });
    expect(table.get('HANDLE#ann_sells', 'HANDLE')).toMatchObject({ userId: 'user-1' });
    expect(table.get('USER#user-1', 'PROFILE')).toMatchObject({ GSI2PK: `CHANNEL_ARN#${CHANNEL_ARN}`, GSI2SK: 'PROFILE' });
    expect(table.get('CHANNEL#user-1', 'CHAT')).toMatchObject({ GSI1PK: `ROOM#${ROOM_ARN}`, channelId: 'user-1' });
  });

  it('finishes after a partial failure without a second channel', async () => {
    chat.on(CreateRoomCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })).resolves({ arn: ROOM_ARN });

    const first = await handler(appsync('user-1')) as { error: { type: string } };
    expect(first.error.type).toBe('INTERNAL');
    expect(table.get('USER#user-1', 'PROFILE')).toBeUndefined();
    expect(table.get('USER#user-1', 'PROVISIONING')).toMatchObject({ channelArn: CHANNEL_ARN, streamKeyArn: 'arn:aws:ivs:us-west-2:123456789012:stream-key/k1' });

    const second = await handler(appsync('user-1')) as { data: Record<string, unknown> };

    expect(second.data).toMatchObject({ channelArn: CHANNEL_ARN, chatRoomArn: ROOM_ARN });
    expect(ivs).toHaveReceivedCommandTimes(CreateChannelCommand, 1);
    expect(chat).toHaveReceivedCommandTimes(CreateRoomCommand, 2);

    const third = await handler(appsync('user-1')) as { data: Record<string, unknown> };
    expect(third.data).toMatchObject({ chatRoomArn: ROOM_ARN });
    expect(ivs).toHaveReceivedCommandTimes(CreateChannelCommand, 1);
    expect(chat).toHaveReceivedCommandTimes(CreateRoomCommand, 2);
  });

  it('finds a channel created by a run that crashed before recording it (by its deterministic name)', async () => {
    table.put({ PK: 'USER#user-1', SK: 'PROVISIONING', userId: 'user-1', handle: 'Ann_Sells' });
    ivs.on(ListChannelsCommand).resolves({ channels: [{ arn: CHANNEL_ARN, name: 'live-shopping-test-user-1' }] });
    ivs.on(GetChannelCommand).resolves({ channel: { arn: CHANNEL_ARN, ingestEndpoint: 'abc.global-contribute.live-video.net', playbackUrl: 'https://p/x.m3u8' } });
    ivs.on(ListStreamKeysCommand).resolves({ streamKeys: [] });
    ivs.on(CreateStreamKeyCommand).resolves({ streamKey: { arn: 'arn:k2', value: 'sk_2', channelArn: CHANNEL_ARN } });
    chat.on(CreateRoomCommand).resolves({ arn: ROOM_ARN });

    const result = await handler(appsync('user-1')) as { data: Record<string, unknown> };

    expect(result.data).toMatchObject({ channelArn: CHANNEL_ARN });
    expect(ivs).toReceiveCommandWith(ListChannelsCommand, { filterByName: 'live-shopping-test-user-1' });
    expect(ivs).not.toHaveReceivedCommand(CreateChannelCommand);
    expect(ivs).toReceiveCommandWith(CreateStreamKeyCommand, { channelArn: CHANNEL_ARN, tags: { owner: 'user-1', platform: 'live-shopping-test' } });
  });

  it('refuses a handle another user holds, before creating anything', async () => {
    table.put({ PK: 'HANDLE#ann_sells', SK: 'HANDLE', userId: 'someone-else' });

    const result = await handler(appsync('user-1')) as { error: { type: string; info: Record<string, unknown> } };

    expect(result.error).toMatchObject({ type: 'CONFLICT', info: { field: 'handle' } });
    expect(ivs).not.toHaveReceivedCommand(CreateChannelCommand);
  });

  it('rejects an invalid handle with VALIDATION', async () => {
    const event = appsync('user-2', 'no spaces allowed');
    const result = await handler(event) as { error: { type: string } };
    expect(result.error.type).toBe('VALIDATION');
  });

  it('provisions from the Cognito post-confirmation event and returns the event', async () => {
    chat.on(CreateRoomCommand).resolves({ arn: ROOM_ARN });
    const event = JSON.parse(readFileSync('test/fixtures/events/cognito-post-confirmation.json', 'utf8'));

    const out = await handler(event);

    expect(out).toEqual(event);
    expect(table.get('USER#user-1', 'PROFILE')).toMatchObject({ handle: 'Ann_Sells' });
  });

  it('does not fail the sign-up when IVS fails', async () => {
    ivs.on(CreateChannelCommand).rejects(new Error('boom'));
    const event = JSON.parse(readFileSync('test/fixtures/events/cognito-post-confirmation.json', 'utf8'));

    await expect(handler(event)).resolves.toEqual(event);
    expect(table.get('USER#user-1', 'PROFILE')).toBeUndefined();
  });
});
