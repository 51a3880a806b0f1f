/**
 * A viewer milestone (100, 1,000, 10,000 concurrent viewers, domain/stream-state.ts), once per stream
 * and threshold whoever sees it first: the analytics report run (distinct viewers per minute from the
 * ingest counters) or the health poller (IVS's own viewer count). A conditional marker item decides;
 * the one that writes it sends the `Viewer Milestone` event to the account's default bus (released
 * again if EventBridge does not take it, so the next run retries), then the streamer's in-app
 * notification and a system line in the stream's chat.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendEventCommand } from '@aws-sdk/client-ivschat';
import { ddb, eventBridge, ivschat } from './clients';
import { ENV, requireEnv } from './env';
import { publish } from './appsync-publish';
import { observability } from './logger';
import { NOTIFICATION_TTL_SECONDS } from './domain/alerts';
import { notificationKey, viewerMilestoneKey } from './domain/keys';
import { derivedId } from './domain/recordings';

const { logger } = observability('viewer-milestones');

/** EventBridge source and detail type of the milestone event (docs/analytics.md). */
export const VIEWER_MILESTONE_EVENT = { source: 'live-shopping.streams', detailType: 'Viewer Milestone' } as const;
/** IVS Chat event name of system lines; attributes `kind` and `text`. */
export const CHAT_SYSTEM_EVENT = 'system';

const NOTIFY = /* GraphQL */ `
  mutation PublishNotification($input: PublishNotificationInput!) {
    publishNotification(input: $input) {
      notificationId
      userId
      kind
      title
      body
      link
      createdAt
      read
    }
  }
`;

export interface MilestoneInput {
  streamId: string;
  channelId: string;
  handle: string;
  channelArn?: string;
  chatRoomArn?: string;
  milestone: number;
  viewers: number;
  /** Where the count came from, for the event's consumers. */
  source: 'analytics' | 'ivs';
  at: Date;
}

/** The text of the chat line and notification for a milestone. */
export function milestoneText(milestone: number): string {
  return `${milestone.toLocaleString('en-US')} viewers are watching right now!`;
}

const isCondition = (e: unknown) => (e as { name?: string }).name === 'ConditionalCheckFailedException';

/** Emits a milestone unless it was emitted before for the stream; true when this call emitted it. */
export async function emitViewerMilestone(m: MilestoneInput): Promise<boolean> {
  const table = requireEnv(ENV.TABLE_NAME);
  const at = m.at.toISOString();
  const key = viewerMilestoneKey(m.streamId, m.milestone);
  try {
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...key,
          type: 'ViewerMilestone',
          milestone: m.milestone,
          viewers: m.viewers,
          source: m.source,
          at,
          createdAt: at,
          updatedAt: at,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  } catch (error) {
    if (isCondition(error)) return false;
    throw error;
  }
  let accepted = false;
  try {
    const out = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: VIEWER_MILESTONE_EVENT.source,
            DetailType: VIEWER_MILESTONE_EVENT.detailType,
            Resources: m.channelArn ? [m.channelArn] : [],
            Detail: JSON.stringify({
              channelId: m.channelId,
              handle: m.handle,
              streamId: m.streamId,
              milestone: m.milestone,
              viewerCount: m.viewers,
              source: m.source,
              at,
            }),
          },
        ],
      }),
    );
    accepted = !out.FailedEntryCount;
    if (!accepted) logger.error('Viewer Milestone event not accepted', { entries: out.Entries });
  } catch (error) {
    logger.error('PutEvents failed', { error: error as Error });
  }
  if (!accepted) {
    await ddb.send(new DeleteCommand({ TableName: table, Key: key }));
    return false;
  }
  const notification = {
    notificationId: derivedId('ntf', 'milestone', m.streamId, String(m.milestone)),
    userId: m.channelId,
    title: `${m.milestone.toLocaleString('en-US')} viewers!`,
    body: `${milestoneText(m.milestone)} Your stream just reached ${m.milestone.toLocaleString('en-US')} concurrent viewers.`,
    link: `/studio/analytics?stream=${encodeURIComponent(m.streamId)}`,
    createdAt: at,
  };
  // The event is out: what follows is best effort, each on its own, so one failing does not stop the other.
  try {
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...notificationKey(m.channelId, at, notification.notificationId),
          type: 'Notification',
          ...notification,
          kind: 'VIEWER_MILESTONE',
          read: false,
          updatedAt: at,
          expiresAt: Math.floor(m.at.getTime() / 1000) + NOTIFICATION_TTL_SECONDS,
        },
      }),
    );
    await publish(NOTIFY, { input: { ...notification, kind: 'VIEWER_MILESTONE' } });
  } catch (error) {
    logger.warn('milestone notification failed', {
      error: error as Error,
      streamId: m.streamId,
      milestone: m.milestone,
    });
  }
  if (m.chatRoomArn) {
    try {
      await ivschat.send(
        new SendEventCommand({
          roomIdentifier: m.chatRoomArn,
          eventName: CHAT_SYSTEM_EVENT,
          attributes: { kind: 'viewer_milestone', milestone: String(m.milestone), text: milestoneText(m.milestone) },
        }),
      );
    } catch (error) {
      logger.warn('milestone chat line failed', {
        error: error as Error,
        streamId: m.streamId,
        milestone: m.milestone,
      });
    }
  }
  return true;
}
