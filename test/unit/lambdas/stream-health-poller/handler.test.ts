import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetStreamCommand, GetStreamSessionCommand, IvsClient } from '@aws-sdk/client-ivs';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const publish = vi.hoisted(() => vi.fn(async () => ({})));
vi.mock('../../../../lambdas/shared/appsync-publish', () => ({ publish }));
const { pollAll, PUBLISH_STREAM_HEALTH, MILESTONE_SOURCE } =
  await import('../../../../lambdas/stream-health-poller/handler');

const ivs = mockClient(IvsClient);
const ddb = mockClient(DynamoDBDocumentClient);
const eb = mockClient(EventBridgeClient);
const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';
const NOW = new Date('2025-06-12T10:30:00.000Z');
const ccf = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('stream-health-poller', () => {
  beforeEach(() => {
    ivs.reset();
    ddb.reset();
    eb.reset();
    publish.mockClear();
    process.env.TABLE_NAME = 'Main';
    ddb
      .on(QueryCommand)
      .resolves({ Items: [{ userId: 'u1', handle: 'ann', channelArn: CHANNEL_ARN, currentStreamId: 'st-1' }] });
    ddb.on(UpdateCommand).resolves({ Attributes: { peakViewers: 90 } });
    ddb.on(PutCommand).resolves({});
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    ivs.on(GetStreamCommand).resolves({
      stream: { channelArn: CHANNEL_ARN, streamId: 'st-1', viewerCount: 140, health: 'STARVING', state: 'LIVE' },
    });
    ivs.on(GetStreamSessionCommand).resolves({
      streamSession: {
        streamId: 'st-1',
        ingestConfiguration: {
          video: {
            targetBitrate: 6_000_000,
            targetFramerate: 30,
            avcProfile: 'High',
            videoWidth: 1920,
            videoHeight: 1080,
          },
          audio: { channels: 2, sampleRate: 48000, targetBitrate: 160000, codec: 'mp4a.40.2' },
        },
        truncatedEvents: [
          { name: 'Session Created', type: 'IVS Stream State Change', eventTime: new Date('2025-06-12T10:00:00Z') },
          { name: 'Starvation Start', type: 'IVS Stream Health Change', eventTime: new Date('2025-06-12T10:29:00Z') },
        ],
      },
    });
  });

  it('records viewers and ingest health, keeps the peak, emits the 100 milestone once, publishes the sample', async () => {
    const [sample] = await pollAll(NOW);

    expect(ivs).toReceiveCommandWith(GetStreamCommand, { channelArn: CHANNEL_ARN });
    expect(ivs).toReceiveCommandWith(GetStreamSessionCommand, { channelArn: CHANNEL_ARN, streamId: 'st-1' });
    expect(sample).toEqual({
      channelId: 'u1',
      streamId: 'st-1',
      at: NOW.toISOString(),
      viewerCount: 140,
      peakViewers: 140,
      bitrate: 6_000_000,
      frameRate: 30,
      events: ['Starvation Start', 'Health STARVING'],
    });
    expect(ddb).toReceiveCommandWith(UpdateCommand, {
      Key: { PK: 'USER#u1', SK: 'PROFILE' },
      UpdateExpression: 'SET peakViewers = :v',
      ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(peakViewers) OR peakViewers < :v)',
      ExpressionAttributeValues: { ':v': 140 },
    });
    expect(ddb).toReceiveCommandWith(PutCommand, {
      Item: expect.objectContaining({
        PK: 'STREAM#st-1',
        SK: 'HEALTH#2025-06-12T10:30:00.000Z',
        GSI1PK: 'USER#u1#HEALTH',
        expiresAt: NOW.getTime() / 1000 + 7 * 24 * 3600,
      }),
    });
    expect(eb).toReceiveCommandWith(PutEventsCommand, {
      Entries: [
        {
          Source: MILESTONE_SOURCE,
          DetailType: 'Viewer Milestone',
          Resources: [CHANNEL_ARN],
          Detail: JSON.stringify({
            channelId: 'u1',
            handle: 'ann',
            streamId: 'st-1',
            milestone: 100,
            viewerCount: 140,
            source: 'ivs',
            at: NOW.toISOString(),
          }),
        },
      ],
    });
    expect(publish).toHaveBeenCalledWith(PUBLISH_STREAM_HEALTH, { input: sample });
  });

  it('does not emit a milestone twice (marker already written)', async () => {
    ddb.on(PutCommand).callsFake((input: { Item: { SK: string } }) => {
      if (input.Item.SK === 'MILESTONE#000000000000100') throw ccf();
      return {};
    });
    await pollAll(NOW);
    expect(eb).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('releases the milestone marker when EventBridge refuses, so the next poll retries it', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    ddb.on(DeleteCommand).resolves({});
    const [sample] = await pollAll(NOW);
    expect(sample?.viewerCount).toBe(140);
    expect(ddb).toReceiveCommandWith(DeleteCommand, {
      TableName: 'Main',
      Key: { PK: 'STREAM#st-1', SK: 'MILESTONE#000000000000100' },
    });
  });

  it('skips a channel IVS reports as not broadcasting', async () => {
    ivs.on(GetStreamCommand).rejects(Object.assign(new Error('not live'), { name: 'ChannelNotBroadcasting' }));
    expect(await pollAll(NOW)).toEqual([]);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });
});
