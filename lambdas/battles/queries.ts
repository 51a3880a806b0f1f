/**
 * The battle reads of the API: a battle, a channel's current battle, its history, the caller's
 * pending invitations, and the streamers the caller may invite. A RUNNING battle whose scheduled
 * end never came is ended by the read that finds it overdue (ending is idempotent).
 */
import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isCurrentFor, isFree, isOverdue } from '../shared/domain/battles';
import { followKey, LIVE_PK, profileKey, SK_PREFIX, userPartition } from '../shared/domain/keys';
import { DomainError } from '../shared/errors';
import type { BattleDeps, Battles } from './service';
import { battleView, type BattleItem, type BattleView } from './store';

/** A streamer the caller can invite (GraphQL BattleCandidate). */
export interface BattleCandidate {
  channelId: string;
  handle: string;
  displayName: string | null;
  avatarUrl: string | null;
  live: boolean;
  followed: boolean;
}

const MAX_HISTORY_PAGE = 50;
const DEFAULT_HISTORY_PAGE = 20;
const MAX_CANDIDATES = 20;
/** Live profiles scanned for a handle prefix (GSI1 `LIVE`, newest first): the first pages of a big platform. */
const LIVE_SCAN_LIMIT = 500;

type Item = Record<string, unknown>;

/** The battle reads. */
export class BattleQueries {
  constructor(
    private readonly d: BattleDeps,
    private readonly battles: Battles,
  ) {}

  /** The battle as a client sees it; an overdue RUNNING battle is ended first. */
  private async current(item: BattleItem, channelId: string | null): Promise<BattleView> {
    const now = this.d.now();
    if (item.status === 'RUNNING' && isOverdue(item.endsAtMs ?? 0, now, this.d.settings.settleMs)) {
      return { ...(await this.battles.finish(item.battleId, 'TIMER')), channelId };
    }
    return battleView(
      item,
      item.status === 'RUNNING' ? await this.battles.reads.liveScores(item) : null,
      now,
      channelId,
    );
  }

  async battle(battleId: string): Promise<BattleView | null> {
    const item = await this.battles.reads.battle(battleId);
    return item ? this.current(item, null) : null;
  }

  /** currentBattle: RUNNING for everyone, PENDING for the channel's own streamer, ENDED for 10 s after it ended. */
  async currentBattle(channelId: string, callerId: string | null): Promise<BattleView | null> {
    const lock = await this.battles.reads.lock(channelId);
    if (!lock) return null;
    const item = await this.battles.reads.battle(lock.battleId);
    if (!item || !isCurrentFor(item, callerId === channelId, this.d.now())) return null;
    return this.current(item, channelId);
  }

  /** myBattleInvitations: the caller's pending invitation, incoming or outgoing (a streamer holds at most one). */
  async myInvitations(callerId: string): Promise<BattleView[]> {
    const lock = await this.battles.reads.lock(callerId);
    if (!lock || lock.state !== 'PENDING' || isFree(lock.busyUntilMs, this.d.now())) return [];
    const item = await this.battles.reads.battle(lock.battleId);
    const view = item ? battleView(item, null, this.d.now(), callerId) : null;
    return view && view.status === 'PENDING' ? [view] : [];
  }

  /** battleHistory: the channel's ENDED battles, newest first; nextToken is the last key of the page. */
  async history(
    channelId: string,
    limit: number | null | undefined,
    nextToken: string | null | undefined,
  ): Promise<{ items: BattleView[]; nextToken: string | null }> {
    const size = limit === null || limit === undefined ? DEFAULT_HISTORY_PAGE : limit;
    if (!Number.isInteger(size) || size < 1 || size > MAX_HISTORY_PAGE) {
      throw new DomainError('VALIDATION', `Ask for 1 to ${MAX_HISTORY_PAGE} battles at a time.`, { field: 'limit' });
    }
    const start = nextToken ? decodeToken(nextToken, channelId) : undefined;
    const out = await this.d.doc.send(
      new QueryCommand({
        TableName: this.d.table,
        ScanIndexForward: false,
        Limit: size,
        ExclusiveStartKey: start,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': userPartition(channelId), ':sk': SK_PREFIX.battleHistory },
      }),
    );
    const now = this.d.now();
    return {
      items: (out.Items ?? []).map((i) => battleView(i.battle as BattleItem, null, now, channelId)),
      nextToken: out.LastEvaluatedKey ? Buffer.from(JSON.stringify(out.LastEvaluatedKey)).toString('base64url') : null,
    };
  }

  /**
   * battleCandidates: live streamers whose handle starts with `query` (followed ones first), or with
   * no query the live streamers the caller follows. Never the caller.
   */
  async candidates(callerId: string, query: string | null | undefined): Promise<BattleCandidate[]> {
    const prefix = (query ?? '').trim().replace(/^@/, '').toLowerCase();
    if (prefix.length > 30)
      throw new DomainError('VALIDATION', 'A handle has at most 30 characters.', { field: 'query' });
    if (!prefix) {
      const follows = await this.d.doc.send(
        new QueryCommand({
          TableName: this.d.table,
          Limit: 100,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
          ExpressionAttributeValues: { ':pk': userPartition(callerId), ':sk': SK_PREFIX.follows },
        }),
      );
      const ids = (follows.Items ?? []).map((f) => f.streamerId as string).filter((id) => id && id !== callerId);
      const profiles = await this.batchGet(ids.map((id) => profileKey(id)));
      return profiles
        .filter((p) => p.status === 'LIVE')
        .slice(0, MAX_CANDIDATES)
        .map((p) => candidate(p, true));
    }
    const live: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.d.doc.send(
        new QueryCommand({
          TableName: this.d.table,
          IndexName: 'GSI1',
          ScanIndexForward: false,
          ExclusiveStartKey: start,
          Limit: 250,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': LIVE_PK },
        }),
      );
      live.push(...((out.Items ?? []) as Item[]));
      start = out.LastEvaluatedKey;
    } while (start && live.length < LIVE_SCAN_LIMIT);
    const matches = live.filter(
      (p) =>
        p.userId !== callerId &&
        String(p.handle ?? '')
          .toLowerCase()
          .startsWith(prefix),
    );
    const followed = new Set(
      (await this.batchGet(matches.map((p) => followKey(callerId, p.userId as string)))).map(
        (f) => f.streamerId as string,
      ),
    );
    return matches
      .map((p) => candidate(p, followed.has(p.userId as string)))
      .sort((a, b) => Number(b.followed) - Number(a.followed) || a.handle.localeCompare(b.handle))
      .slice(0, MAX_CANDIDATES);
  }

  private async batchGet(keys: { PK: string; SK: string }[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
      for (let round = 0; pending && pending.length && round < 5; round++) {
        const out = await this.d.doc.send(new BatchGetCommand({ RequestItems: { [this.d.table]: { Keys: pending } } }));
        found.push(...((out.Responses?.[this.d.table] ?? []) as Item[]));
        pending = out.UnprocessedKeys?.[this.d.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }
}

function candidate(p: Item, followed: boolean): BattleCandidate {
  return {
    channelId: p.userId as string,
    handle: p.handle as string,
    displayName: (p.displayName as string | undefined) ?? null,
    avatarUrl: (p.avatarUrl as string | undefined) ?? null,
    live: p.status === 'LIVE',
    followed,
  };
}

/** A history page token back to its key; VALIDATION for anything this API did not hand out for this channel. */
function decodeToken(token: string, channelId: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (
      key.PK === userPartition(channelId) &&
      typeof key.SK === 'string' &&
      key.SK.startsWith(SK_PREFIX.battleHistory) &&
      Object.keys(key).length === 2
    )
      return key;
  } catch {
    // Falls through to the refusal.
  }
  throw new DomainError(
    'VALIDATION',
    'This page link is not valid for this list; load the list again from its first page.',
    { field: 'nextToken' },
  );
}
