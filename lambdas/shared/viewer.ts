/**
 * The caller as the audience rules see them (lambdas/shared/domain/audience.ts): signed in or a
 * guest, their handle, admin or not, and whether they follow the streamer; and the check the
 * functions that serve a stream's content (playback tokens, replays) make with it.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from './clients';
import { ENV, requireEnv } from './env';
import { cognitoCaller, type Caller } from './appsync-event';
import { isAdmin } from './domain/economy';
import { accountKey, followKey, handleKey, profileKey } from './domain/keys';
import { handleSchema } from './domain/handles';
import { watchVerdict, type AudienceFields, type Viewer, type WatchRefusal } from './domain/audience';

/** The caller's platform-owned handle from their account item. */
export async function accountHandle(userId: string): Promise<string | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: requireEnv(ENV.TABLE_NAME), Key: accountKey(userId) }));
  return Item?.handle as string | undefined;
}

/** The viewer of `streamerId`'s stream: a guest ({}) when the identity is not a Cognito user. */
export async function viewerOf(identity: unknown, streamerId: string): Promise<Viewer> {
  let caller: Caller;
  try {
    caller = cognitoCaller(identity);
  } catch {
    return {};
  }
  const groups = (identity as { groups?: string[] | null }).groups;
  const table = requireEnv(ENV.TABLE_NAME);
  // The handle is the platform-owned one: the token's claim, or the account item (never preferred_username).
  const [follow, handle] = await Promise.all([
    ddb.send(new GetCommand({ TableName: table, Key: followKey(caller.userId, streamerId) })),
    caller.handle ? Promise.resolve(caller.handle) : accountHandle(caller.userId),
  ]);
  return { userId: caller.userId, handle, isAdmin: isAdmin(groups), follows: !!follow.Item };
}

/** What the audience rules say of a caller and a streamer's recordings. */
export interface RecordingAccess {
  /** Why the caller may not watch; absent when they may. */
  refusal?: WatchRefusal;
  /** The streamer marks their streams 18+: the page asks for the viewer's age first. */
  ageRestricted: boolean;
}

/**
 * Whether the caller may see `streamerId`'s recordings under the streamer's current audience.
 * Recordings are never in Preview, so Preview does not apply to them.
 */
export async function recordingAccess(identity: unknown, streamerId: string): Promise<RecordingAccess> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: requireEnv(ENV.TABLE_NAME), Key: profileKey(streamerId) }),
  );
  const fields = { ...((Item ?? {}) as AudienceFields), inPreview: false };
  const ageRestricted = !!fields.ageRestricted;
  if (!fields.audience || fields.audience === 'PUBLIC') return { ageRestricted };
  const verdict = watchVerdict(streamerId, fields, await viewerOf(identity, streamerId));
  return verdict.allowed ? { ageRestricted } : { refusal: verdict.reason, ageRestricted };
}

/** The profile item of the streamer holding `handle` (case-insensitive), or null. */
export async function profileByHandle(handle: string): Promise<Record<string, unknown> | null> {
  if (!handleSchema.safeParse(handle).success) return null;
  const table = requireEnv(ENV.TABLE_NAME);
  const claim = (await ddb.send(new GetCommand({ TableName: table, Key: handleKey(handle.trim()) }))).Item;
  if (!claim) return null;
  return (await ddb.send(new GetCommand({ TableName: table, Key: profileKey(String(claim.userId)) }))).Item ?? null;
}
