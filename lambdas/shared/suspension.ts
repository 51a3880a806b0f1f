/**
 * Suspending and reinstating a channel (docs/safety.md), shared by the safety function (reports,
 * admin actions) and stream-key (a suspension for a period ends when the streamer next opens the
 * Studio). A suspension is three things that each survive a retry:
 * 1. one transaction: the profile's `suspendedUntil` (createProduct, stream-state and stream-key
 *    check it; the live lists lose the profile at once), the suspension item in the sparse
 *    `SUSPENDED` index, and the audit entry;
 * 2. the IVS side: every stream key of the channel deleted (IVS refuses the encoder from then on)
 *    and the running stream stopped; the stored key is removed so nobody reads a dead key;
 * 3. the streamer's in-app notification with the reason.
 * Reinstating clears 1 and creates a new stream key (the old one is gone for good).
 */
import {
  CreateStreamKeyCommand,
  DeleteStreamKeyCommand,
  ListStreamKeysCommand,
  StopStreamCommand,
} from '@aws-sdk/client-ivs';
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { publish } from './appsync-publish';
import { ddb, ivs } from './clients';
import { ENV, requireEnv } from './env';
import { DomainError } from './errors';
import { idFromBytes } from './domain/ids';
import { adminLogKey, notificationKey, profileKey, streamKeyItemKey, SUSPENDED_PK, suspensionKey } from './domain/keys';
import { INDEFINITE_UNTIL, SYSTEM_ACTOR } from './domain/safety';
import type { Profile } from './domain/streamers';
import { observability } from './logger';

const { logger } = observability('suspension');

export const PUBLISH_NOTIFICATION = /* GraphQL */ `
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

/** Who acts: an admin (sub and handle) or the platform itself (SYSTEM). */
export interface Actor {
  readonly id: string;
  readonly handle?: string;
}

/** The suspension item (`USER#<userId>` / `SUSPENSION`). */
export interface SuspensionItem {
  userId: string;
  handle?: string;
  reason: string;
  source: 'AUTO' | 'ADMIN';
  banned: boolean;
  since: string;
  until: string;
  byUserId: string;
  targetId?: string;
}

export interface SuspendRequest {
  readonly userId: string;
  readonly reason: string;
  readonly source: 'AUTO' | 'ADMIN';
  readonly actor: Actor;
  /** ISO end, or INDEFINITE_UNTIL. */
  readonly until: string;
  readonly banned?: boolean;
  /** The report target that led to it. */
  readonly targetId?: string;
  /**
   * An admin's decision replaces a suspension in force (a longer period, a ban); the platform's own
   * never does, so a second burst of reports does not reset what an admin set.
   */
  readonly replace: boolean;
}

const table = () => requireEnv(ENV.TABLE_NAME);
const random = () => crypto.getRandomValues(new Uint8Array(13));
const conditionFailed = (e: unknown) => {
  const name = (e as { name?: string }).name;
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException';
};

/** The user's profile (channel), if they have one. */
export async function profileOf(userId: string): Promise<Profile | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: table(), Key: profileKey(userId), ConsistentRead: true }),
  );
  return Item as Profile | undefined;
}

/** The suspension item in force or lapsed-but-not-reinstated, if any. */
export async function suspensionOf(userId: string): Promise<SuspensionItem | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: table(), Key: suspensionKey(userId), ConsistentRead: true }),
  );
  return Item as SuspensionItem | undefined;
}

/** An audit entry's put, for a transaction. */
export function auditPut(
  action: string,
  actor: Actor,
  at: string,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const entryId = idFromBytes('adm', random());
  return {
    Put: {
      TableName: table(),
      Item: {
        ...adminLogKey(at, entryId),
        type: 'AdminAction',
        entryId,
        action,
        actorId: actor.id,
        actorHandle: actor.handle ?? null,
        at,
        ...fields,
      },
    },
  };
}

/** Writes an in-app notification to `userId` and pushes it to their open sessions. */
export async function notifyUser(userId: string, title: string, body: string, link: string): Promise<void> {
  const createdAt = new Date().toISOString();
  const n = {
    notificationId: idFromBytes('ntf', random()),
    userId,
    kind: 'SAFETY' as const,
    title,
    body,
    link,
    createdAt,
  };
  await ddb.send(
    new PutCommand({
      TableName: table(),
      Item: {
        ...notificationKey(userId, createdAt, n.notificationId),
        type: 'Notification',
        ...n,
        read: false,
        updatedAt: createdAt,
      },
    }),
  );
  try {
    await publish(PUBLISH_NOTIFICATION, { input: n });
  } catch (error) {
    // The inbox item is written; the streamer sees it on the next inbox read.
    logger.warn('publishNotification failed', { error: error as Error, userId });
  }
}

/**
 * Records the suspension (step 1). 'SUSPENDED' when this call suspended the user, 'ALREADY' when a
 * suspension was in force and `replace` is false.
 */
async function recordSuspension(
  req: SuspendRequest,
  profile: Profile | undefined,
  now: string,
): Promise<'SUSPENDED' | 'ALREADY'> {
  const item: SuspensionItem & Record<string, unknown> = {
    ...suspensionKey(req.userId),
    type: 'Suspension',
    userId: req.userId,
    handle: profile?.handle,
    reason: req.reason,
    source: req.source,
    banned: req.banned === true,
    since: now,
    until: req.until,
    byUserId: req.actor.id,
    targetId: req.targetId,
    GSI1PK: SUSPENDED_PK,
    GSI1SK: `${now}#${req.userId}`,
  };
  const items: Record<string, unknown>[] = [
    {
      Put: {
        TableName: table(),
        Item: item,
        ...(req.replace
          ? {}
          : {
              ConditionExpression: 'attribute_not_exists(PK) OR #until <= :now',
              ExpressionAttributeNames: { '#until': 'until' },
              ExpressionAttributeValues: { ':now': now },
            }),
      },
    },
    auditPut(req.banned ? 'BAN' : 'SUSPEND', req.actor, now, {
      targetUserId: req.userId,
      targetId: req.targetId ?? null,
      reason: req.reason,
      until: req.until,
      source: req.source,
    }),
  ];
  if (profile) {
    items.push({
      Update: {
        TableName: table(),
        Key: profileKey(req.userId),
        ConditionExpression: 'attribute_exists(PK)',
        // Off the live lists at once; stream-state's end event (StopStream) sets the status.
        UpdateExpression:
          'SET suspendedUntil = :until, suspendedAt = :now, updatedAt = :now REMOVE GSI1PK, GSI1SK, GSI3PK, GSI3SK',
        ExpressionAttributeValues: { ':until': req.until, ':now': now },
      },
    });
  }
  try {
    await ddb.send(new TransactWriteCommand({ TransactItems: items as never }));
    return 'SUSPENDED';
  } catch (error) {
    if (!req.replace && conditionFailed(error)) return 'ALREADY';
    throw error;
  }
}

/** Deletes every stream key of the channel and stops its stream (step 2); safe to repeat. */
async function disableIngest(profile: Profile): Promise<void> {
  const listed = await ivs.send(new ListStreamKeysCommand({ channelArn: profile.channelArn }));
  for (const key of listed.streamKeys ?? []) {
    if (key.arn) await ivs.send(new DeleteStreamKeyCommand({ arn: key.arn }));
  }
  try {
    await ivs.send(new StopStreamCommand({ channelArn: profile.channelArn }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ChannelNotBroadcasting') throw error;
  }
  await ddb.send(new DeleteCommand({ TableName: table(), Key: streamKeyItemKey(profile.userId) }));
}

/**
 * Suspends `req.userId`: records it, disables the channel's ingest, tells the streamer. The IVS
 * steps run even when the suspension was already recorded (a retry after a failed IVS call).
 */
export async function suspendChannel(req: SuspendRequest): Promise<'SUSPENDED' | 'ALREADY'> {
  const now = new Date().toISOString();
  const profile = await profileOf(req.userId);
  const outcome = await recordSuspension(req, profile, now);
  if (profile) await disableIngest(profile);
  if (outcome === 'SUSPENDED') {
    const what = req.banned ? 'Your account is banned' : 'Your channel is suspended';
    const until =
      req.until === INDEFINITE_UNTIL
        ? 'until our team lifts it'
        : `until ${req.until.slice(0, 16).replace('T', ' ')} UTC`;
    await notifyUser(req.userId, what, `${req.reason} You cannot go live or add products ${until}.`, '/studio');
  }
  logger.info('channel suspended', { userId: req.userId, source: req.source, outcome, until: req.until });
  return outcome;
}

/**
 * Ends a suspension: clears the profile and the suspension item (audited), gives the channel a new
 * stream key and tells the streamer. Returns the suspension as it was, or undefined when there was
 * none (NOT_FOUND for the caller to phrase).
 */
export async function reinstateChannel(
  userId: string,
  actor: Actor,
  reason: string,
): Promise<SuspensionItem | undefined> {
  const now = new Date().toISOString();
  const suspension = await suspensionOf(userId);
  if (!suspension) return undefined;
  const profile = await profileOf(userId);
  const items: Record<string, unknown>[] = [
    {
      Delete: {
        TableName: table(),
        Key: suspensionKey(userId),
        ConditionExpression: 'since = :since',
        ExpressionAttributeValues: { ':since': suspension.since },
      },
    },
    auditPut('LIFT_SUSPENSION', actor, now, { targetUserId: userId, reason }),
  ];
  if (profile) {
    items.push({
      Update: {
        TableName: table(),
        Key: profileKey(userId),
        UpdateExpression: 'REMOVE suspendedUntil, suspendedAt SET updatedAt = :now',
        ExpressionAttributeValues: { ':now': now },
      },
    });
  }
  try {
    await ddb.send(new TransactWriteCommand({ TransactItems: items as never }));
  } catch (error) {
    // Lifted (or replaced) by someone else just now: answer what this caller saw.
    if (conditionFailed(error)) return suspension;
    throw error;
  }
  if (profile) await issueStreamKey(profile);
  await notifyUser(
    userId,
    'Your channel is back',
    actor.id === SYSTEM_ACTOR
      ? 'Your suspension has ended. Your stream key is new: copy it into OBS before going live.'
      : `${reason} Your stream key is new: copy it into OBS before going live.`,
    '/studio',
  );
  logger.info('channel reinstated', { userId, by: actor.id });
  return suspension;
}

/** A new stream key for the channel (when it holds none), stored for its owner. */
async function issueStreamKey(profile: Profile): Promise<void> {
  const listed = await ivs.send(new ListStreamKeysCommand({ channelArn: profile.channelArn }));
  for (const key of listed.streamKeys ?? []) {
    if (key.arn) await ivs.send(new DeleteStreamKeyCommand({ arn: key.arn }));
  }
  const { streamKey } = await ivs.send(
    new CreateStreamKeyCommand({
      channelArn: profile.channelArn,
      tags: { owner: profile.userId, platform: requireEnv(ENV.RESOURCE_TAG) },
    }),
  );
  if (!streamKey?.arn || !streamKey.value) throw new Error('CreateStreamKey returned no key');
  await ddb.send(
    new PutCommand({
      TableName: table(),
      Item: {
        ...streamKeyItemKey(profile.userId),
        type: 'StreamKey',
        userId: profile.userId,
        streamKeyArn: streamKey.arn,
        streamKey: streamKey.value,
        createdAt: new Date().toISOString(),
      },
    }),
  );
}

/**
 * For the channel's own key (stream-key): SUSPENDED, with the reason, while a suspension is in
 * force; a suspension whose period has ended is lifted here (new key, notification), so the
 * streamer finds a working key when they next open the Studio.
 */
export async function settleSuspension(profile: Profile): Promise<'NONE' | 'REINSTATED'> {
  if (!profile.suspendedUntil) return 'NONE';
  if (profile.suspendedUntil > new Date().toISOString()) {
    const suspension = await suspensionOf(profile.userId);
    const until =
      profile.suspendedUntil === INDEFINITE_UNTIL
        ? 'until our team lifts it'
        : `until ${profile.suspendedUntil.slice(0, 16).replace('T', ' ')} UTC`;
    throw new DomainError(
      'SUSPENDED',
      `Your channel is suspended ${until}${suspension ? `: ${suspension.reason}` : '.'}`,
      { until: profile.suspendedUntil },
    );
  }
  await reinstateChannel(profile.userId, { id: SYSTEM_ACTOR }, 'The suspension period ended.');
  return 'REINSTATED';
}
