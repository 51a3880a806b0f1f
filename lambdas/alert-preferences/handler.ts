/**
 * Mutation.setAlertPreference: email go-live alerts per followed streamer. Opt-in subscribes the
 * caller's email to the go-live topic with a filter policy on `streamerId` (SNS asks the address
 * to confirm); opt-out unsubscribes. One subscription per (user, streamer), ARN stored.
 */
import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, sns } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult } from '../shared/errors';
import { cognitoCaller, type AppSyncInvokeEvent } from '../shared/appsync-event';
import { observability } from '../shared/logger';
import { alertPreferenceKey, streamerFilterPolicy } from '../shared/domain/alerts';
import { profileKey, type Profile } from '../shared/domain/streamers';

const { logger } = observability('alert-preferences');

export interface AlertPreferenceView { streamerId: string; handle: string; email: boolean; emailStatus: string | null }

interface PreferenceItem { email: boolean; subscriptionArn?: string; emailStatus?: string }

const isPending = (arn: string | undefined) => !arn || arn === 'pending confirmation' || arn === 'PendingConfirmation';

export async function setAlertPreference(userId: string, email: string | undefined, streamerId: string, wantEmail: boolean): Promise<AlertPreferenceView> {
  const table = requireEnv(ENV.TABLE_NAME);
  const { Item: streamer } = await ddb.send(new GetCommand({ TableName: table, Key: profileKey(streamerId) }));
  if (!streamer) throw new DomainError('NOT_FOUND', 'No such streamer.');
  const handle = (streamer as Profile).handle;
  const { Item } = await ddb.send(new GetCommand({ TableName: table, Key: alertPreferenceKey(userId, streamerId), ConsistentRead: true }));
  const current = Item as PreferenceItem | undefined;

  let subscriptionArn = current?.subscriptionArn;
  let emailStatus: string | null = current?.emailStatus ?? null;
  if (wantEmail && !subscriptionArn) {
    if (!email) throw new DomainError('VALIDATION', 'Your account has no email address.', { field: 'email' });
    const out = await sns.send(new SubscribeCommand({
      TopicArn: requireEnv(ENV.GO_LIVE_TOPIC_ARN),
      Protocol: 'email',
      Endpoint: email,
      Attributes: { FilterPolicy: streamerFilterPolicy(streamerId), FilterPolicyScope: 'MessageAttributes' },
      ReturnSubscriptionArn: true,
    }));
    subscriptionArn = out.SubscriptionArn;
    emailStatus = 'pending';
  } else if (!wantEmail && subscriptionArn) {
    try {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
    } catch (error) {
      // An unconfirmed subscription cannot be removed; SNS deletes it after 3 days unconfirmed.
      if (!isPending(subscriptionArn) && (error as { name?: string }).name !== 'NotFoundException') throw error;
      logger.info('unsubscribe skipped', { error: error as Error });
    }
    subscriptionArn = undefined;
    emailStatus = null;
  }
  const now = new Date().toISOString();
  await ddb.send(new PutCommand({
    TableName: table,
    Item: {
      ...alertPreferenceKey(userId, streamerId), type: 'AlertPreference', userId, streamerId, handle,
      email: wantEmail, subscriptionArn, emailStatus, createdAt: now, updatedAt: now,
    },
  }));
  return { streamerId, handle, email: wantEmail, emailStatus };
}

export async function handler(event: AppSyncInvokeEvent<{ streamerId: string; email: boolean }>) {
  return toAppSyncResult(async () => {
    const caller = cognitoCaller(event.identity);
    return setAlertPreference(caller.userId, caller.email, event.arguments.streamerId, event.arguments.email === true);
  }, (error) => logger.error('setAlertPreference failed', { error: error as Error }));
}
