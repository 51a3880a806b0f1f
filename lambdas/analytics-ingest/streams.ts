/**
 * Which stream ids the endpoint accepts events for: a stream session the platform recorded, on the
 * channel the event names, live now or ended less than {@link LATE_EVENT_GRACE_MS} ago. Sessions are
 * cached per instance for a short while, so a 10,000-viewer stream costs one read per instance and
 * period instead of one per request.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { LATE_EVENT_GRACE_MS } from '../shared/domain/analytics-events';
import { streamSessionKey } from '../shared/domain/keys';

/** How long a session read is reused. */
export const SESSION_CACHE_MS = 15_000;

interface SessionInfo {
  channelId: string;
  live: boolean;
  endedAtMs: number | null;
}

const cache = new Map<string, { at: number; session: SessionInfo | null }>();

async function session(streamId: string, nowMs: number): Promise<SessionInfo | null> {
  const hit = cache.get(streamId);
  if (hit && nowMs - hit.at < SESSION_CACHE_MS) return hit.session;
  const { Item } = await ddb.send(
    new GetCommand({
      TableName: requireEnv(ENV.TABLE_NAME),
      Key: streamSessionKey(streamId),
      ProjectionExpression: 'userId, #s, endedAt',
      ExpressionAttributeNames: { '#s': 'status' },
    }),
  );
  const info = Item
    ? {
        channelId: Item.userId as string,
        live: Item.status === 'LIVE',
        endedAtMs: Item.endedAt ? Date.parse(Item.endedAt as string) : null,
      }
    : null;
  if (cache.size > 10_000) cache.clear();
  cache.set(streamId, { at: nowMs, session: info });
  return info;
}

/** Why events for `streamId` on `channelId` are refused at `nowMs`, or undefined when they are accepted. */
export async function streamRefusal(streamId: string, channelId: string, nowMs: number): Promise<string | undefined> {
  const s = await session(streamId, nowMs);
  if (!s || s.channelId !== channelId) return `Stream ${streamId} is not a stream of channel ${channelId}.`;
  if (s.live && s.endedAtMs === null) return undefined;
  if (s.endedAtMs !== null && nowMs - s.endedAtMs <= LATE_EVENT_GRACE_MS) return undefined;
  return `Stream ${streamId} is not live; events are accepted while a stream runs and for 30 seconds after it ends.`;
}
