/**
 * Query.myStreamKey and Mutation.rotateStreamKey: the owner's stream key. Rotation deletes the
 * IVS key (so the old one stops working) and creates a new one; it is refused while live unless
 * forced, in which case the running stream is also stopped.
 */
import {
  CreateStreamKeyCommand,
  DeleteStreamKeyCommand,
  ListStreamKeysCommand,
  StopStreamCommand,
} from '@aws-sdk/client-ivs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, ivs } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult } from '../shared/errors';
import { cognitoCaller, type AppSyncInvokeEvent } from '../shared/appsync-event';
import { observability } from '../shared/logger';
import { streamKeyView, type Profile, type StreamKeyView } from '../shared/domain/streamers';
import { profileKey, streamKeyItemKey } from '../shared/domain/keys';
import { settleSuspension } from '../shared/suspension';

const { logger } = observability('stream-key');

interface StreamKeyItem {
  streamKeyArn: string;
  streamKey: string;
  createdAt: string;
}

async function getProfile(userId: string): Promise<Profile> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: requireEnv(ENV.TABLE_NAME), Key: profileKey(userId), ConsistentRead: true }),
  );
  if (!Item) throw new DomainError('NOT_FOUND', 'Set up your channel first.');
  return Item as Profile;
}

/** The caller's key; null when the channel exists but holds no key. */
export async function myStreamKey(userId: string): Promise<StreamKeyView | null> {
  const profile = await getProfile(userId);
  await settleSuspension(profile);
  const { Item } = await ddb.send(
    new GetCommand({ TableName: requireEnv(ENV.TABLE_NAME), Key: streamKeyItemKey(userId), ConsistentRead: true }),
  );
  if (!Item) return null;
  const key = Item as StreamKeyItem;
  return streamKeyView(profile.ingestEndpoint, key.streamKey, key.createdAt);
}

/** Deletes every key of the caller's channel and creates a new one. */
export async function rotateStreamKey(userId: string, force: boolean): Promise<StreamKeyView> {
  const profile = await getProfile(userId);
  // A suspended channel gets no key; one whose period ended is reinstated (with a key) first.
  await settleSuspension(profile);
  if (profile.status === 'LIVE' && !force) {
    throw new DomainError('STREAM_LIVE', 'You are live: rotating the key ends the stream. Confirm to rotate anyway.');
  }
  const listed = await ivs.send(new ListStreamKeysCommand({ channelArn: profile.channelArn }));
  for (const key of listed.streamKeys ?? []) {
    if (key.arn) await ivs.send(new DeleteStreamKeyCommand({ arn: key.arn }));
  }
  if (profile.status === 'LIVE') {
    try {
      // Deleting the key prevents reconnects; StopStream drops the connection already open.
      await ivs.send(new StopStreamCommand({ channelArn: profile.channelArn }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ChannelNotBroadcasting') throw error;
    }
  }
  const { streamKey } = await ivs.send(
    new CreateStreamKeyCommand({
      channelArn: profile.channelArn,
      tags: { owner: userId, platform: requireEnv(ENV.RESOURCE_TAG) },
    }),
  );
  if (!streamKey?.arn || !streamKey.value) throw new Error('CreateStreamKey returned no key');
  const createdAt = new Date().toISOString();
  await ddb.send(
    new PutCommand({
      TableName: requireEnv(ENV.TABLE_NAME),
      Item: {
        ...streamKeyItemKey(userId),
        type: 'StreamKey',
        userId,
        streamKeyArn: streamKey.arn,
        streamKey: streamKey.value,
        createdAt,
      },
    }),
  );
  logger.info('stream key rotated', { userId, forced: force && profile.status === 'LIVE' });
  return streamKeyView(profile.ingestEndpoint, streamKey.value, createdAt);
}

export async function handler(event: AppSyncInvokeEvent<{ force?: boolean | null }>) {
  return toAppSyncResult(
    async () => {
      const caller = cognitoCaller(event.identity);
      if (event.info.fieldName === 'rotateStreamKey')
        return rotateStreamKey(caller.userId, event.arguments.force === true);
      return myStreamKey(caller.userId);
    },
    (error) => logger.error('stream key failed', { error: error as Error }),
  );
}
