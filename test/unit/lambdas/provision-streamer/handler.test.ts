import {
  CreateChannelCommand,
  CreateStreamKeyCommand,
  GetChannelCommand,
  IvsClient,
  ListChannelsCommand,
  ListStreamKeysCommand,
} from '@aws-sdk/client-ivs';
import { CreateRoomCommand, IvschatClient, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CHAT_FALLBACK_RESULT, handler, runToStart } from '../../../../lambdas/provision-streamer/handler';
import { fakeTable, type Item } from './fake-table';

const ivs = mockClient(IvsClient);
const chat = mockClient(IvschatClient);
const ddb = mockClient(DynamoDBDocumentClient);

const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';
const ROOM_ARN = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3j4k5L6';
const NAME = 'live-shopping-test-user-1';
const OWNER_TAGS = { owner: 'user-1', platform: 'live-shopping-test' };
const appsync = (sub: string, handle?: string) => ({
  arguments: handle ? { handle } : {},
  // The token still says what the user typed; the handle comes from the account item.
  identity: {
    sub,
    username: sub,
    claims: { preferred_username: 'Spoofed', handle: 'Ann_Sells', email: 'ann@example.com' },
  },
  source: null,
  info: { fieldName: 'provisionMe', parentTypeName: 'Mutation' },
});
type View = {
  data: {
    status: string;
    handle: string | null;
    step: string | null;
    error: string | null;
    streamer: Record<string, unknown> | null;
  };
};

/** The table-stream record DynamoDB emits for a write of the provisioning item. */
function streamOf(next: Item | undefined, previous?: Item, seq = '1'): DynamoDBStreamEvent {
  return {
    Records: [
      {
        eventName: previous ? 'MODIFY' : 'INSERT',
        dynamodb: {
          SequenceNumber: seq,
          NewImage: next ? (marshall(next, { removeUndefinedValues: true }) as never) : undefined,
          OldImage: previous ? (marshall(previous, { removeUndefinedValues: true }) as never) : undefined,
        },
      },
    ],
  };
}

describe('provision-streamer', () => {
  let table: ReturnType<typeof fakeTable>;
  const record = () => table.get('USER#user-1', 'PROVISIONING') as Item;
  /** Delivers the provisioning item's current image as the stream would after provisionMe's write. */
  const deliver = (previous?: Item) => handler(streamOf(record(), previous));

  beforeEach(() => {
    ivs.reset();
    chat.reset();
    ddb.reset();
    table = fakeTable(ddb);
    table.put({ PK: 'USER#user-1', SK: 'ACCOUNT', userId: 'user-1', handle: 'Ann_Sells' });
    table.put({ PK: 'HANDLE#ann_sells', SK: 'HANDLE', userId: 'user-1', handle: 'Ann_Sells' });
    Object.assign(process.env, {
      TABLE_NAME: 'Main',
      RESOURCE_TAG: 'live-shopping-test',
      CHANNEL_TYPE: 'STANDARD',
      RECORDING_CONFIGURATION_ARN: 'arn:aws:ivs:us-west-2:123456789012:recording-configuration/Rc1',
      CHAT_REVIEW_FUNCTION_ARN: 'arn:aws:lambda:us-west-2:123456789012:function:chat-review',
      CHAT_LOGGING_CONFIGURATION_ARN: 'arn:aws:ivschat:us-west-2:123456789012:logging-configuration/Lc1',
    });
    ivs.on(ListChannelsCommand).resolves({ channels: [] });
    ivs.on(CreateChannelCommand).resolves({
      channel: {
        arn: CHANNEL_ARN,
        ingestEndpoint: 'abc.global-contribute.live-video.net',
        playbackUrl: 'https://abc.us-west-2.playback.live-video.net/api/video/v1/x.m3u8',
      },
      streamKey: {
        arn: 'arn:aws:ivs:us-west-2:123456789012:stream-key/k1',
        value: 'sk_us-west-2_secret1',
        channelArn: CHANNEL_ARN,
      },
    });
    chat.on(ListRoomsCommand).resolves({ rooms: [] });
    chat.on(CreateRoomCommand).resolves({ arn: ROOM_ARN });
  });

  it('provisionMe answers PROVISIONING at once: it takes the lease and calls no IVS', async () => {
    const result = (await handler(appsync('user-1'))) as View;

    expect(result.data).toEqual({
      status: 'PROVISIONING',
      handle: 'Ann_Sells',
      step: null,
      error: null,
      streamer: null,
    });
    expect(record()).toMatchObject({ type: 'Provisioning', status: 'PROVISIONING', handle: 'Ann_Sells', attempts: 1 });
    expect(record().leaseUntil).toBeGreaterThan(Date.now() + 200_000);
    expect(ivs.calls()).toHaveLength(0);
    expect(chat.calls()).toHaveLength(0);
  });

  it('the run started by the lease write creates a tagged LOW latency channel, a reviewed room and the profile; provisionMe then answers READY', async () => {
    await handler(appsync('user-1'));

    await expect(deliver()).resolves.toEqual({ batchItemFailures: [] });

    expect(ivs).toReceiveCommandWith(CreateChannelCommand, {
      name: NAME,
      latencyMode: 'LOW',
      type: 'STANDARD',
      authorized: false,
      recordingConfigurationArn: 'arn:aws:ivs:us-west-2:123456789012:recording-configuration/Rc1',
      tags: OWNER_TAGS,
    });
    expect(chat).toReceiveCommandWith(CreateRoomCommand, {
      name: NAME,
      maximumMessageRatePerSecond: 100,
      messageReviewHandler: {
        uri: 'arn:aws:lambda:us-west-2:123456789012:function:chat-review',
        fallbackResult: CHAT_FALLBACK_RESULT,
      },
      loggingConfigurationIdentifiers: ['arn:aws:ivschat:us-west-2:123456789012:logging-configuration/Lc1'],
      tags: OWNER_TAGS,
    });
    // CreateChannel already made the key: no second key (the per-channel quota is 1).
    expect(ivs).not.toHaveReceivedCommand(CreateStreamKeyCommand);
    expect(table.get('USER#user-1', 'STREAMKEY')).toMatchObject({ streamKey: 'sk_us-west-2_secret1' });
    expect(table.get('USER#user-1', 'PROFILE')).toMatchObject({
      handle: 'Ann_Sells',
      GSI2PK: `CHANNEL_ARN#${CHANNEL_ARN}`,
      channelArn: CHANNEL_ARN,
      chatRoomArn: ROOM_ARN,
    });
    expect(table.get('CHANNEL#user-1', 'CHAT')).toMatchObject({ GSI1PK: `ROOM#${ROOM_ARN}`, channelId: 'user-1' });
    expect(record()).toMatchObject({ status: 'READY', step: 'PROFILE' });

    const ready = (await handler(appsync('user-1'))) as View;
    expect(ready.data).toMatchObject({
      status: 'READY',
      handle: 'Ann_Sells',
      streamer: { userId: 'user-1', status: 'OFFLINE', followerCount: 0 },
    });
  });

  it('a retried or concurrent provisionMe while a run holds the lease starts nothing: the lease and its run stay the only ones', async () => {
    await Promise.all([handler(appsync('user-1')), handler(appsync('user-1'))]);
    const lease = record().leaseId;
    const again = (await handler(appsync('user-1'))) as View;

    expect(again.data.status).toBe('PROVISIONING');
    expect(record().leaseId).toBe(lease);
    expect(record().attempts).toBe(1);
    // The run's own progress writes reach the stream too: none of them starts a second run.
    const before = structuredClone(record());
    await deliver();
    await handler(streamOf(record(), before, '2'));
    expect(ivs).toHaveReceivedCommandTimes(CreateChannelCommand, 1);
    expect(chat).toHaveReceivedCommandTimes(CreateRoomCommand, 1);
  });

  it('a failed run is FAILED with a reason; the next provisionMe starts a new run that resumes without a second channel', async () => {
    chat
      .on(CreateRoomCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ arn: ROOM_ARN });
    await handler(appsync('user-1'));
    const first = structuredClone(record());
    await deliver();

    const failed = (await handler(appsync('user-1'))) as View;
    expect(record().status).toBe('PROVISIONING');
    expect(record().leaseId).not.toBe(first.leaseId);
    expect(failed.data.status).toBe('PROVISIONING');
    expect(table.get('USER#user-1', 'PROFILE')).toBeUndefined();

    await deliver(first);

    expect(table.get('USER#user-1', 'PROFILE')).toMatchObject({ channelArn: CHANNEL_ARN, chatRoomArn: ROOM_ARN });
    expect(ivs).toHaveReceivedCommandTimes(CreateChannelCommand, 1);
    expect(chat).toHaveReceivedCommandTimes(CreateRoomCommand, 2);
  });

  it('reports FAILED and the reason to the Studio, and releases the lease', async () => {
    ivs.on(CreateChannelCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await handler(appsync('user-1'));
    // Recorded as FAILED: nothing for the stream to redeliver.
    await expect(deliver()).resolves.toEqual({ batchItemFailures: [] });

    expect(record()).toMatchObject({ status: 'FAILED', leaseUntil: 0, step: 'CHANNEL' });
    const polled = (await handler({
      ...appsync('user-1'),
      info: { fieldName: 'myProvisioning', parentTypeName: 'Query' },
    })) as View;
    expect(polled.data).toMatchObject({ status: 'FAILED', step: 'CHANNEL', streamer: null });
    expect(polled.data.error).toMatch(/busy/);
    // Polling never restarts it; provisionMe (Try again) does.
    expect(record().status).toBe('FAILED');
  });

  it('finds the channel and room a crashed run created but never recorded, by name and owner tags, before creating any', async () => {
    await handler(appsync('user-1'));
    ivs.on(ListChannelsCommand).resolves({
      channels: [
        // Same name, another owner's tags (IVS names are not unique): never adopted.
        {
          arn: 'arn:aws:ivs:us-west-2:123456789012:channel/Other',
          name: NAME,
          tags: { owner: 'someone-else', platform: 'live-shopping-test' },
        },
        { arn: CHANNEL_ARN, name: NAME, tags: OWNER_TAGS },
      ],
    });
    ivs.on(GetChannelCommand).resolves({
      channel: {
        arn: CHANNEL_ARN,
        ingestEndpoint: 'abc.global-contribute.live-video.net',
        playbackUrl: 'https://p/x.m3u8',
      },
    });
    ivs.on(ListStreamKeysCommand).resolves({ streamKeys: [] });
    ivs.on(CreateStreamKeyCommand).resolves({ streamKey: { arn: 'arn:k2', value: 'sk_2', channelArn: CHANNEL_ARN } });
    chat.on(ListRoomsCommand).resolves({ rooms: [{ arn: ROOM_ARN, name: NAME, tags: OWNER_TAGS }] });

    // The stream redelivers the record to the same lease after the crash.
    await deliver();

    expect(ivs).toReceiveCommandWith(ListChannelsCommand, { filterByName: NAME });
    expect(ivs).not.toHaveReceivedCommand(CreateChannelCommand);
    expect(chat).not.toHaveReceivedCommand(CreateRoomCommand);
    expect(ivs).toReceiveCommandWith(CreateStreamKeyCommand, { channelArn: CHANNEL_ARN, tags: OWNER_TAGS });
    expect(table.get('USER#user-1', 'PROFILE')).toMatchObject({ channelArn: CHANNEL_ARN, chatRoomArn: ROOM_ARN });
  });

  it('a run whose lease another run took over (lapsed) stops before any IVS call', async () => {
    await handler(appsync('user-1'));
    const stale = structuredClone(record());
    table.put({ ...record(), leaseUntil: Date.now() - 1 });
    await handler(appsync('user-1'));
    expect(record().leaseId).not.toBe(stale.leaseId);

    await handler(streamOf(stale));

    expect(ivs.calls()).toHaveLength(0);
  });

  it('a user without a handle must claim one; a taken one is refused before anything is written', async () => {
    table.items.delete('USER#user-1|ACCOUNT');
    table.items.delete('HANDLE#ann_sells|HANDLE');
    table.put({ PK: 'HANDLE#taken', SK: 'HANDLE', userId: 'someone-else' });

    const none = (await handler(appsync('user-1'))) as { error: { type: string } };
    const taken = (await handler(appsync('user-1', 'Taken'))) as {
      error: { type: string; info: Record<string, unknown> };
    };
    const claimed = (await handler(appsync('user-1', 'ann_2'))) as View;

    expect(none.error.type).toBe('VALIDATION');
    expect(taken.error).toMatchObject({ type: 'CONFLICT', info: { field: 'handle' } });
    expect(claimed.data).toMatchObject({ status: 'PROVISIONING', handle: 'ann_2' });
    expect(table.get('USER#user-1', 'ACCOUNT')).toMatchObject({ handle: 'ann_2' });
    expect(ivs.calls()).toHaveLength(0);
  });

  it('starts runs only for provisioning records whose lease changed', () => {
    const next = { type: 'Provisioning', status: 'PROVISIONING', userId: 'u', leaseId: 'l2' };
    const at = (e: DynamoDBStreamEvent) => runToStart(e.Records[0]!);
    expect(at(streamOf(next))).toEqual({ userId: 'u', leaseId: 'l2' });
    expect(at(streamOf(next, { ...next, leaseId: 'l1', status: 'FAILED' }))).toEqual({ userId: 'u', leaseId: 'l2' });
    expect(at(streamOf(next, { ...next, step: 'CHANNEL' }))).toBeUndefined();
    expect(at(streamOf({ ...next, status: 'READY' }))).toBeUndefined();
    expect(at(streamOf({ ...next, type: 'Product' }))).toBeUndefined();
  });
});
