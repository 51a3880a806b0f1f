/**
 * Viewer milestones: the conditional marker decides who emits; the winner sends one Viewer Milestone
 * event, the streamer's notification and the chat system line; a repeat (duplicated input, a second
 * run, the health poller) sends nothing; an event EventBridge refuses releases the marker for a retry.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IvschatClient, SendEventCommand } from '@aws-sdk/client-ivschat';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const publish = vi.hoisted(() => vi.fn(async (_mutation: string, _variables: Record<string, unknown>) => ({})));
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.TABLE_NAME = 'Main';
});
vi.mock('../../../../lambdas/shared/appsync-publish', () => ({ publish }));

const { emitViewerMilestone, VIEWER_MILESTONE_EVENT } = await import('../../../../lambdas/shared/viewer-milestones');
const ddb = mockClient(DynamoDBDocumentClient);
const events = mockClient(EventBridgeClient);
const chat = mockClient(IvschatClient);

const input = {
  streamId: 'st-1',
  channelId: 'u-1',
  handle: 'anna',
  chatRoomArn: 'arn:aws:ivschat:us-east-1:1:room/r',
  milestone: 1000,
  viewers: 1013,
  source: 'analytics' as const,
  at: new Date('2026-12-01T20:05:00Z'),
};

beforeEach(() => {
  ddb.reset();
  events.reset();
  chat.reset();
  publish.mockClear();
});

describe('emitViewerMilestone', () => {
  it('the first call emits the event, the notification and the chat line', async () => {
    ddb.on(PutCommand).resolves({});
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    expect(await emitViewerMilestone(input)).toBe(true);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ Source: VIEWER_MILESTONE_EVENT.source, DetailType: 'Viewer Milestone' });
    expect(JSON.parse(entry.Detail!)).toMatchObject({ streamId: 'st-1', milestone: 1000, viewerCount: 1013 });
    const notification = ddb
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input.Item!)
      .find((i) => i.type === 'Notification');
    expect(notification).toMatchObject({ kind: 'VIEWER_MILESTONE', userId: 'u-1', title: '1,000 viewers!' });
    expect(publish).toHaveBeenCalledOnce();
    expect(chat).toHaveReceivedCommandWith(SendEventCommand, {
      roomIdentifier: input.chatRoomArn,
      eventName: 'system',
      attributes: expect.objectContaining({ kind: 'viewer_milestone', milestone: '1000' }),
    });
  });

  it('a repeat finds the marker and sends nothing', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    expect(await emitViewerMilestone(input)).toBe(false);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    expect(chat).toHaveReceivedCommandTimes(SendEventCommand, 0);
    expect(publish).not.toHaveBeenCalled();
  });

  it('an event EventBridge does not take releases the marker, so the next run emits it', async () => {
    ddb.on(PutCommand).resolves({});
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    expect(await emitViewerMilestone(input)).toBe(false);
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { PK: 'STREAM#st-1', SK: 'MILESTONE#000000000001000' },
    });
    expect(publish).not.toHaveBeenCalled();
  });
});
