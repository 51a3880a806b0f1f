/**
 * Mutation.setAlertPreference: email go-live alerts per followed streamer. The opt-in is the
 * preference item itself: while email is on it carries the caller's address, an unsubscribe token
 * and the sparse GSI2 keys `USER#<streamer>#EMAIL_ALERTS` / `<userId>` that go-live-fanout pages
 * through. No per-subscriber resource exists anywhere else, so opt-ins scale with the table.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult } from '../shared/errors';
import { cognitoCaller, idArgument, type AppSyncInvokeEvent } from '../shared/appsync-event';
import { observability } from '../shared/logger';
import { emailOptInIndexKeys, newUnsubscribeToken } from '../shared/domain/alerts';
import type { Profile } from '../shared/domain/streamers';
import { alertPreferenceKey, profileKey } from '../shared/domain/keys';

const { logger } = observability('alert-preferences');

/** What the API answers; `emailStatus` stays null (no confirmation step since alerts go through SES). */
export interface AlertPreferenceView {
  streamerId: string;
  handle: string;
  email: boolean;
  emailStatus: string | null;
}

interface PreferenceItem {
  unsubscribeToken?: string;
  createdAt?: string;
}

export async function setAlertPreference(
  userId: string,
  email: string | undefined,
  streamerId: string,
  wantEmail: boolean,
): Promise<AlertPreferenceView> {
  const table = requireEnv(ENV.TABLE_NAME);
  const { Item: streamer } = await ddb.send(new GetCommand({ TableName: table, Key: profileKey(streamerId) }));
  if (!streamer) throw new DomainError('NOT_FOUND', 'No such streamer.');
  const handle = (streamer as Profile).handle;
  if (wantEmail && !email)
    throw new DomainError('VALIDATION', 'Your account has no email address.', { field: 'email' });
  const { Item } = await ddb.send(
    new GetCommand({ TableName: table, Key: alertPreferenceKey(userId, streamerId), ConsistentRead: true }),
  );
  const current = Item as PreferenceItem | undefined;
  const now = new Date().toISOString();
  await ddb.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...alertPreferenceKey(userId, streamerId),
        type: 'AlertPreference',
        userId,
        streamerId,
        handle,
        email: wantEmail,
        // The token outlives an opt-out so links in earlier emails still answer; off = out of the sparse index.
        unsubscribeToken: current?.unsubscribeToken ?? (wantEmail ? newUnsubscribeToken() : undefined),
        ...(wantEmail ? { emailAddress: email, ...emailOptInIndexKeys(streamerId, userId) } : {}),
        createdAt: current?.createdAt ?? now,
        updatedAt: now,
      },
    }),
  );
  return { streamerId, handle, email: wantEmail, emailStatus: null };
}

export async function handler(event: AppSyncInvokeEvent<{ streamerId: string; email: boolean }>) {
  return toAppSyncResult(
    async () => {
      const caller = cognitoCaller(event.identity);
      return setAlertPreference(
        caller.userId,
        caller.email,
        idArgument(event.arguments.streamerId, 'streamerId'),
        event.arguments.email === true,
      );
    },
    (error) => logger.error('setAlertPreference failed', { error: error as Error }),
  );
}
