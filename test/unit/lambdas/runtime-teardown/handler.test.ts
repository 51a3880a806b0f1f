import { readFileSync } from 'node:fs';
import {
  DeleteChannelCommand,
  DeleteStreamKeyCommand,
  IvsClient,
  ListChannelsCommand,
  ListStreamKeysCommand,
  StopStreamCommand,
  UpdateChannelCommand,
} from '@aws-sdk/client-ivs';
import { DeleteRoomCommand, IvschatClient, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  handler,
  LiveChannelsError,
  migrateRecordingConfiguration,
  PHYSICAL_ID,
} from '../../../../lambdas/runtime-teardown/handler';

const ivs = mockClient(IvsClient);
const chat = mockClient(IvschatClient);
const del = JSON.parse(
  readFileSync('test/fixtures/events/cfn-delete.json', 'utf8'),
) as CloudFormationCustomResourceEvent;

describe('runtime-teardown', () => {
  beforeEach(() => {
    ivs.reset();
    chat.reset();
    Object.assign(process.env, { RESOURCE_TAG: 'live-shopping-dev', STAGE: 'dev' });
    delete process.env.ALLOW_TEARDOWN;
    ivs
      .on(ListChannelsCommand)
      .resolvesOnce({
        channels: [
          { arn: 'arn:c1', tags: { platform: 'live-shopping-dev', owner: 'u1' } },
          { arn: 'arn:other', tags: { platform: 'someone-else' } },
        ],
        nextToken: 't',
      })
      .resolves({ channels: [{ arn: 'arn:c2', tags: { platform: 'live-shopping-dev' } }] });
    ivs.on(ListStreamKeysCommand).resolves({ streamKeys: [{ arn: 'arn:k' }] });
    ivs.on(StopStreamCommand).rejects(Object.assign(new Error('offline'), { name: 'ChannelNotBroadcasting' }));
    ivs.on(DeleteStreamKeyCommand).resolves({});
    ivs.on(DeleteChannelCommand).resolves({});
    chat.on(ListRoomsCommand).resolves({
      rooms: [
        { arn: 'arn:r1', tags: { platform: 'live-shopping-dev' } },
        { arn: 'arn:r-other', tags: {} },
      ],
    });
    chat.on(DeleteRoomCommand).resolves({});
  });

  it('on Delete removes only the platform-tagged channels (keys first) and rooms, across pages', async () => {
    const out = await handler(del);

    expect(out).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: { channels: 2, keys: 2, rooms: 1 } });
    expect(ivs).toReceiveCommandWith(ListChannelsCommand, { nextToken: 't' });
    expect(ivs).toReceiveCommandWith(DeleteStreamKeyCommand, { arn: 'arn:k' });
    expect(ivs).toReceiveCommandWith(DeleteChannelCommand, { arn: 'arn:c1' });
    expect(ivs).toReceiveCommandWith(DeleteChannelCommand, { arn: 'arn:c2' });
    expect(ivs).not.toReceiveCommandWith(DeleteChannelCommand, { arn: 'arn:other' });
    expect(chat).toReceiveCommandWith(DeleteRoomCommand, { identifier: 'arn:r1' });
    expect(chat).toHaveReceivedCommandTimes(DeleteRoomCommand, 1);
  });

  it('refuses in prod unless ALLOW_TEARDOWN=true', async () => {
    process.env.STAGE = 'prod';
    expect(await handler(del)).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: { refused: true } });
    expect(ivs).not.toHaveReceivedCommand(DeleteChannelCommand);

    process.env.ALLOW_TEARDOWN = 'true';
    expect(await handler(del)).toMatchObject({ Data: { channels: 2 } });
  });

  it('Create and Update do nothing but answer a physical id', async () => {
    const create = { ...del, RequestType: 'Create' } as CloudFormationCustomResourceEvent;
    expect(await handler(create)).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    const update = { ...del, RequestType: 'Update', OldResourceProperties: {} } as CloudFormationCustomResourceEvent;
    expect(await handler(update)).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(ivs).not.toHaveReceivedCommand(ListChannelsCommand);
  });

  it('Update with the same recording configuration moves no channel', async () => {
    const props = { ServiceToken: 'x', RecordingConfigurationArn: 'arn:rc-old' };
    const update = {
      ...del,
      RequestType: 'Update',
      ResourceProperties: props,
      OldResourceProperties: props,
    } as CloudFormationCustomResourceEvent;
    expect(await handler(update)).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(ivs).not.toHaveReceivedCommand(UpdateChannelCommand);
  });
});

describe('runtime-teardown: a replaced recording configuration', () => {
  const conflict = () => Object.assign(new Error('channel is live'), { name: 'ConflictException' });
  const update = {
    ...del,
    RequestType: 'Update',
    ResourceProperties: { ServiceToken: 'x', RecordingConfigurationArn: 'arn:rc-new' },
    OldResourceProperties: { ServiceToken: 'x', RecordingConfigurationArn: 'arn:rc-old' },
  } as CloudFormationCustomResourceEvent;

  beforeEach(() => {
    ivs.reset();
    Object.assign(process.env, { RESOURCE_TAG: 'live-shopping-dev', STAGE: 'prod' });
    ivs
      .on(ListChannelsCommand)
      .resolvesOnce({
        channels: [
          { arn: 'arn:c1', tags: { platform: 'live-shopping-dev' } },
          { arn: 'arn:other', tags: { platform: 'x' } },
        ],
        nextToken: 't',
      })
      .resolves({ channels: [{ arn: 'arn:c2', tags: { platform: 'live-shopping-dev' } }] });
    ivs.on(UpdateChannelCommand).resolves({});
  });

  it('moves the platform channels that record with the old configuration to the new one, across pages, even in prod', async () => {
    const out = await handler(update, { getRemainingTimeInMillis: () => 900_000 });

    expect(out).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: { moved: 2 } });
    expect(ivs).toReceiveCommandWith(ListChannelsCommand, { filterByRecordingConfigurationArn: 'arn:rc-old' });
    expect(ivs).toReceiveCommandWith(ListChannelsCommand, {
      filterByRecordingConfigurationArn: 'arn:rc-old',
      nextToken: 't',
    });
    expect(ivs).toReceiveCommandWith(UpdateChannelCommand, { arn: 'arn:c1', recordingConfigurationArn: 'arn:rc-new' });
    expect(ivs).toReceiveCommandWith(UpdateChannelCommand, { arn: 'arn:c2', recordingConfigurationArn: 'arn:rc-new' });
    expect(ivs).not.toReceiveCommandWith(UpdateChannelCommand, { arn: 'arn:other' });
    expect(ivs).not.toHaveReceivedCommand(DeleteChannelCommand);
  });

  it('waits for a live channel to go offline, then moves it', async () => {
    ivs.on(UpdateChannelCommand, { arn: 'arn:c2' }).rejectsOnce(conflict()).resolves({});

    const moved = await migrateRecordingConfiguration('live-shopping-dev', 'arn:rc-old', 'arn:rc-new', {
      deadline: Date.now() + 5_000,
      retryEveryMs: 1,
    });

    expect(moved).toBe(2);
    expect(ivs).toHaveReceivedCommandTimes(UpdateChannelCommand, 3);
  });

  it('fails with the live channels named when they stay live past the deadline', async () => {
    ivs.on(UpdateChannelCommand, { arn: 'arn:c2' }).rejects(conflict());

    const run = migrateRecordingConfiguration('live-shopping-dev', 'arn:rc-old', 'arn:rc-new', {
      deadline: Date.now() + 30,
      retryEveryMs: 10,
    });

    await expect(run).rejects.toBeInstanceOf(LiveChannelsError);
    await expect(run).rejects.toThrow(/1 channel\(s\) stayed live .*arn:c2\. CloudFormation rolls back/);
    expect(ivs).toReceiveCommandWith(UpdateChannelCommand, { arn: 'arn:c1', recordingConfigurationArn: 'arn:rc-new' });
  });

  it('does not swallow other IVS errors', async () => {
    ivs
      .on(UpdateChannelCommand, { arn: 'arn:c1' })
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(
      migrateRecordingConfiguration('live-shopping-dev', 'arn:rc-old', 'arn:rc-new', {
        deadline: Date.now() + 1000,
        retryEveryMs: 1,
      }),
    ).rejects.toThrow('denied');
  });
});
