/**
 * Audience and playback authorization (docs/safety.md): Query.playbackAccess answers whether the
 * caller may watch a streamer now and, if so, the playback URL with a short-lived IVS playback token
 * (ES384, signed with the key in Secrets Manager); Query.followedLiveStreams lists the live streams
 * of channels the caller follows that they may watch (browse leaves non-public streams out);
 * Query.myAudience / Mutation.updateAudience read and change the owner's settings (the channel's
 * IVS `authorized` flag follows them, while offline only: IVS refuses to update a live channel);
 * Mutation.goPublic ends the owner's Preview: the stream is listed, and followers are alerted then.
 */
import { GetChannelCommand, UpdateChannelCommand } from '@aws-sdk/client-ivs';
import { BatchGetCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, ivs } from '../shared/clients';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult } from '../shared/errors';
import { cognitoCaller, type AppSyncInvokeEvent } from '../shared/appsync-event';
import { accountHandle, profileByHandle, viewerOf } from '../shared/viewer';
import { putJobEvent } from '../shared/jobs-bus';
import { observability } from '../shared/logger';
import { readPlaybackKey, readReplayKey } from '../shared/playback-key';
import {
  channelRecordingsPrefix,
  RECORDING_ACCESS_TTL_SECONDS,
  signedQuery,
  signPolicy,
} from '../shared/domain/signed-urls';
import { publicUrl } from '../shared/domain/recordings';
import { handleSchema } from '../shared/domain/handles';
import type { Profile } from '../shared/domain/streamers';
import {
  GO_PUBLIC_EVENT,
  needsAuthorization,
  normalizeAllowList,
  watchVerdict,
  type AudienceFields,
  type Viewer,
  type WatchRefusal,
} from '../shared/domain/audience';
import { audienceSettingsSchema, type AudienceSettings } from '../shared/domain/audience-settings';
import { playbackClaims, signPlaybackToken } from '../shared/domain/playback-token';
import { categoryPk, LIVE_PK, profileKey, SK_PREFIX, userPartition } from '../shared/domain/keys';

const { logger } = observability('playback');

type StoredProfile = Profile & AudienceFields & { playbackAuthorized?: boolean };

export type AccessStatus = 'ALLOWED' | 'OFFLINE' | WatchRefusal;

export interface PlaybackAccess {
  status: AccessStatus;
  audience: AudienceSettings['audience'];
  ageRestricted: boolean;
  inPreview: boolean;
  /** The playback URL, with `?token=` when a key is set up; null unless ALLOWED. */
  playbackUrl: string | null;
  /** When the token stops starting playback (a player already playing goes on). */
  expiresAt: string | null;
  /** The CloudFront signature for the channel's recordings (rewinding live); null unless ALLOWED. */
  recordingQuery?: string | null;
}

/**
 * The signed query for everything under the channel's recordings prefix, for RECORDING_ACCESS_TTL_SECONDS:
 * a live viewer rewinds into the running recording (its DVR views). Null without a replay signing key
 * configured (no signed behavior on the distribution) or for a channel ARN IVS would not write under.
 */
async function recordingQuery(channelArn: string): Promise<string | null> {
  const keyPairId = optionalEnv(ENV.REPLAY_KEY_PAIR_ID);
  const base = optionalEnv(ENV.REPLAY_BASE_URL);
  const prefix = channelRecordingsPrefix(channelArn);
  if (!keyPairId || !base || !prefix) return null;
  const key = await readReplayKey();
  if (!key) return null;
  const expiresAt = Math.floor(Date.now() / 1000) + RECORDING_ACCESS_TTL_SECONDS;
  return signedQuery(
    signPolicy(publicUrl(base, `${prefix}*`), expiresAt, { keyPairId, privateKeyPem: key.privateKeyPem }),
  );
}

/** A playback URL with a token for `channelArn`, or the bare URL while no key is set up (a public channel plays without). */
async function tokenizedUrl(
  profile: StoredProfile,
  viewer: Viewer,
): Promise<{ url: string; expiresAt: string | null }> {
  const key = await readPlaybackKey();
  if (!key) {
    if (profile.playbackAuthorized)
      throw new DomainError('INTERNAL', 'Playback is not set up yet; please try again in a minute.');
    return { url: profile.playbackUrl, expiresAt: null };
  }
  const origins = (optionalEnv(ENV.PLAYBACK_ORIGINS) ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const claims = playbackClaims(profile.channelArn, { origins, viewerId: viewer.userId });
  const token = signPlaybackToken(claims, key.privateKeyPem);
  return {
    url: `${profile.playbackUrl}${profile.playbackUrl.includes('?') ? '&' : '?'}token=${token}`,
    expiresAt: new Date(claims.exp * 1000).toISOString(),
  };
}

export async function playbackAccess(identity: unknown, handle: string): Promise<PlaybackAccess | null> {
  const profile = (await profileByHandle(handle)) as StoredProfile | null;
  if (!profile) return null;
  const base: Pick<PlaybackAccess, 'audience' | 'ageRestricted' | 'inPreview'> = {
    audience: profile.audience ?? 'PUBLIC',
    ageRestricted: !!profile.ageRestricted,
    inPreview: profile.status === 'LIVE' && !!profile.inPreview,
  };
  const viewer = await viewerOf(identity, profile.userId);
  const verdict = watchVerdict(profile.userId, { ...profile, inPreview: base.inPreview }, viewer);
  if (!verdict.allowed) return { ...base, status: verdict.reason, playbackUrl: null, expiresAt: null };
  if (profile.status !== 'LIVE') return { ...base, status: 'OFFLINE', playbackUrl: null, expiresAt: null };
  const [{ url, expiresAt }, recordings] = await Promise.all([
    tokenizedUrl(profile, viewer),
    recordingQuery(profile.channelArn),
  ]);
  return { ...base, status: 'ALLOWED', playbackUrl: url, expiresAt, recordingQuery: recordings };
}

/** Live, listed streams of channels the caller follows that the caller may watch. */
export async function followedLiveStreams(identity: unknown): Promise<StoredProfile[]> {
  const caller = cognitoCaller(identity);
  const table = requireEnv(ENV.TABLE_NAME);
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': userPartition(caller.userId), ':prefix': SK_PREFIX.follows },
      Limit: 100,
    }),
  );
  const ids = Items.map((i) => String(i.streamerId));
  if (ids.length === 0) return [];
  const handle = caller.handle ?? (await accountHandle(caller.userId));
  const profiles: StoredProfile[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const { Responses } = await ddb.send(
      new BatchGetCommand({ RequestItems: { [table]: { Keys: ids.slice(i, i + 100).map(profileKey) } } }),
    );
    profiles.push(...((Responses?.[table] ?? []) as StoredProfile[]));
  }
  return profiles
    .filter(
      (p) => p.status === 'LIVE' && watchVerdict(p.userId, p, { userId: caller.userId, handle, follows: true }).allowed,
    )
    .sort((a, b) => String(b.liveSince ?? '').localeCompare(String(a.liveSince ?? '')));
}

const settingsOf = (p: StoredProfile): AudienceSettings => ({
  audience: p.audience ?? 'PUBLIC',
  allowList: p.allowList ?? [],
  ageRestricted: !!p.ageRestricted,
  startInPreview: !!p.startInPreview,
});

async function ownProfile(identity: unknown): Promise<StoredProfile> {
  const caller = cognitoCaller(identity);
  const { Item } = await ddb.send(
    new GetCommand({ TableName: requireEnv(ENV.TABLE_NAME), Key: profileKey(caller.userId), ConsistentRead: true }),
  );
  if (!Item) throw new DomainError('NOT_FOUND', 'Set up your channel first.');
  return Item as StoredProfile;
}

export async function myAudience(identity: unknown): Promise<AudienceSettings | null> {
  try {
    return settingsOf(await ownProfile(identity));
  } catch (error) {
    if (error instanceof DomainError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

/**
 * Saves the owner's audience settings. The channel's `authorized` flag is changed first (IVS
 * refuses while live), so a stream never becomes more visible than its settings say.
 */
export async function updateAudience(identity: unknown, input: unknown): Promise<AudienceSettings> {
  const parsed = audienceSettingsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError('VALIDATION', issue?.message ?? 'Check the audience settings.', {
      field: String(issue?.path[0] ?? 'input'),
    });
  }
  const allowList = normalizeAllowList(parsed.data.allowList);
  const bad = allowList.find((h) => !handleSchema.safeParse(h).success);
  if (bad)
    throw new DomainError('VALIDATION', `"${bad}" is not a handle: use letters, digits, underscore or dot.`, {
      field: 'allowList',
    });
  if (parsed.data.audience === 'PRIVATE' && allowList.length === 0) {
    throw new DomainError('VALIDATION', 'Add at least one handle who may watch a private stream.', {
      field: 'allowList',
    });
  }
  const settings: AudienceSettings = { ...parsed.data, allowList };
  const profile = await ownProfile(identity);
  const authorized = needsAuthorization(settings);
  const { channel } = await ivs.send(new GetChannelCommand({ arn: profile.channelArn }));
  if (channel?.authorized !== authorized) {
    if (profile.status === 'LIVE') {
      throw new DomainError(
        'STREAM_LIVE',
        authorized
          ? 'The video of a live stream cannot be made private: end the stream, change who can watch, then go live again.'
          : 'A stream that started restricted stays restricted until it ends: change this after the stream.',
      );
    }
    await ivs.send(new UpdateChannelCommand({ arn: profile.channelArn, authorized }));
  }
  await ddb.send(
    new UpdateCommand({
      TableName: requireEnv(ENV.TABLE_NAME),
      Key: profileKey(profile.userId),
      UpdateExpression:
        'SET audience = :a, allowList = :l, ageRestricted = :r, startInPreview = :p, playbackAuthorized = :auth, updatedAt = :now',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: {
        ':a': settings.audience,
        ':l': settings.allowList,
        ':r': settings.ageRestricted,
        ':p': settings.startInPreview,
        ':auth': authorized,
        ':now': new Date().toISOString(),
      },
    }),
  );
  return settings;
}

/** Ends the owner's Preview: the stream is listed (as stream-state lists a stream at start) and followers are alerted. */
export async function goPublic(identity: unknown): Promise<StoredProfile> {
  const profile = await ownProfile(identity);
  if (profile.status !== 'LIVE' || !profile.currentStreamId)
    throw new DomainError('CONFLICT', 'Start streaming first: you can go public once your stream is in Preview.');
  if (!profile.inPreview) return profile;
  const listed = profile.liveSince ?? new Date().toISOString();
  const category = profile.category ? ', GSI3PK = :cat, GSI3SK = :at' : '';
  try {
    const { Attributes } = await ddb.send(
      new UpdateCommand({
        TableName: requireEnv(ENV.TABLE_NAME),
        Key: profileKey(profile.userId),
        ConditionExpression: '#status = :live AND currentStreamId = :sid AND inPreview = :yes',
        UpdateExpression: `SET GSI1PK = :livePk, GSI1SK = :at${category}, updatedAt = :now REMOVE inPreview`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':live': 'LIVE',
          ':sid': profile.currentStreamId,
          ':yes': true,
          ':livePk': LIVE_PK,
          ':at': listed,
          ':now': new Date().toISOString(),
          ...(profile.category ? { ':cat': categoryPk(profile.category) } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    await putJobEvent({
      source: GO_PUBLIC_EVENT.source,
      detailType: GO_PUBLIC_EVENT.detailType,
      what: `the go-public alerts of ${profile.currentStreamId}`,
      detail: {
        prefix: requireEnv(ENV.RESOURCE_TAG),
        channelArn: profile.channelArn,
        streamId: profile.currentStreamId,
      },
    });
    return Attributes as StoredProfile;
  } catch (error) {
    // A concurrent Go public, or the stream ended meanwhile: answer the stored state.
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    return ownProfile(identity);
  }
}

type Args = { handle?: string; input?: unknown };

export async function handler(event: AppSyncInvokeEvent<Args>) {
  const field = `${event.info.parentTypeName}.${event.info.fieldName}`;
  return toAppSyncResult(
    async () => {
      switch (field) {
        case 'Query.playbackAccess':
          return playbackAccess(event.identity, String(event.arguments.handle ?? ''));
        case 'Query.followedLiveStreams':
          return followedLiveStreams(event.identity);
        case 'Query.myAudience':
          return myAudience(event.identity);
        case 'Mutation.updateAudience':
          return updateAudience(event.identity, event.arguments.input);
        case 'Mutation.goPublic':
          return goPublic(event.identity);
        default:
          throw new DomainError('VALIDATION', `playback does not serve ${field}`);
      }
    },
    (error) => logger.error('playback failed', { error: error as Error, field }),
  );
}
