/**
 * The battle items as stored (docs/battles.md, "Data"), their GraphQL view, and the reads the
 * battles function makes. Keys come from lambdas/shared/domain/keys.ts.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  effectiveStatus,
  sumScores,
  type BattleOutcome,
  type BattleStatus,
  type EndReason,
} from '../shared/domain/battles';
import { battleKey, battleLockKey, battlePartition, SK_PREFIX } from '../shared/domain/keys';

/** One side as stored: who, and what the split screen shows of them. */
export interface StoredSide {
  channelId: string;
  handle: string;
  displayName?: string | null;
  avatarUrl?: string | null;
  playbackUrl?: string | null;
  /**
   * Set while the side's stream is down during a RUNNING battle: it forfeits unless its stream is
   * back before this (the stage's reconnect grace after the drop). Removed when it comes back.
   */
  awayUntilMs?: number;
}

/** The battle item (`BATTLE#<id>` / `BATTLE`). */
export interface BattleItem {
  battleId: string;
  status: BattleStatus;
  inviter: StoredSide;
  invitee: StoredSide;
  durationSeconds: number;
  invitedAt: string;
  expiresAt: string;
  expiresAtMs: number;
  /** Counters per side, fixed at the invitation (a config change never loses a counter). */
  scoreShards: number;
  startsAt?: string;
  endsAt?: string;
  endsAtMs?: number;
  endedAt?: string;
  endedAtMs?: number;
  endReason?: EndReason;
  /**
   * The side a finisher decided forfeits (its grace ran out), written before the scores freeze: a
   * stream coming back after it no longer undoes the forfeit, and racing finishers agree on it.
   */
  forfeitChannelId?: string;
  /** Final scores (ENDED). */
  scores?: { inviter: number; invitee: number };
  result?: {
    outcome: BattleOutcome;
    winnerChannelId: string | null;
    forfeitChannelId: string | null;
    bonusCoins: number;
  };
  updatedAt: string;
}

/** A streamer's lock (`USER#<id>` / `BATTLELOCK`). */
export interface BattleLock {
  battleId: string;
  state: BattleStatus;
  busyUntilMs: number;
  endedAtMs?: number;
}

/** One side as the GraphQL BattleSide. */
export interface SideView {
  channelId: string;
  handle: string;
  displayName: string | null;
  avatarUrl: string | null;
  playbackUrl: string | null;
  score: number;
  /** While RUNNING and the side's stream is down: when it forfeits unless back (ISO); null otherwise. */
  reconnectBy: string | null;
}

/** The GraphQL Battle. */
export interface BattleView {
  battleId: string;
  status: BattleStatus;
  inviter: SideView;
  invitee: SideView;
  durationSeconds: number;
  invitedAt: string;
  expiresAt: string;
  startsAt: string | null;
  endsAt: string | null;
  endedAt: string | null;
  result: BattleItem['result'] | null;
  channelId: string | null;
  updatedAt: string;
}

const side = (s: StoredSide, score: number, running: boolean): SideView => ({
  channelId: s.channelId,
  handle: s.handle,
  displayName: s.displayName ?? null,
  avatarUrl: s.avatarUrl ?? null,
  playbackUrl: s.playbackUrl ?? null,
  score,
  reconnectBy: running && typeof s.awayUntilMs === 'number' ? new Date(s.awayUntilMs).toISOString() : null,
});

/** Live scores and the server time of the newest change they hold (the last counted gift's acceptance). */
export interface LiveScores {
  inviter: number;
  invitee: number;
  /** ISO time of the newest counter change, null before any. */
  updatedAt: string | null;
}

/** The later of two ISO times (either may be missing). */
function later(a: string, b: string | null | undefined): string {
  return b && Date.parse(b) > Date.parse(a) ? b : a;
}

/**
 * The Battle a client sees: a PENDING invitation past expiry reads EXPIRED; scores live while
 * RUNNING, final once ENDED. `updatedAt` is the server time of the newest change the copy holds:
 * the battle's own last change or, when later, the last counted gift's acceptance, so a client
 * can order copies and drop one older than what it shows.
 */
export function battleView(
  item: BattleItem,
  live: { inviter: number; invitee: number; updatedAt?: string | null } | null,
  nowMs: number,
  channelId: string | null = null,
): BattleView {
  const scores = item.scores ?? live ?? { inviter: 0, invitee: 0 };
  const running = item.status === 'RUNNING';
  return {
    battleId: item.battleId,
    status: effectiveStatus(item.status, item.expiresAtMs, nowMs),
    inviter: side(item.inviter, scores.inviter, running),
    invitee: side(item.invitee, scores.invitee, running),
    durationSeconds: item.durationSeconds,
    invitedAt: item.invitedAt,
    expiresAt: item.expiresAt,
    startsAt: item.startsAt ?? null,
    endsAt: item.endsAt ?? null,
    endedAt: item.endedAt ?? null,
    result: item.result ?? null,
    channelId,
    updatedAt: item.scores ? item.updatedAt : later(item.updatedAt, live?.updatedAt),
  };
}

/** Reads of the battle items. */
export class BattleReads {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async battle(battleId: string): Promise<BattleItem | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: battleKey(battleId), ConsistentRead: true }),
    );
    return Item as BattleItem | undefined;
  }

  async lock(userId: string): Promise<BattleLock | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: battleLockKey(userId), ConsistentRead: true }),
    );
    return Item as BattleLock | undefined;
  }

  /** Every score counter of the battle (one consistent Query), summed per side. */
  async scores(item: BattleItem): Promise<{ inviter: number; invitee: number }> {
    const { inviter, invitee } = await this.liveScores(item);
    return { inviter, invitee };
  }

  /**
   * The scores and when the newest of the counters changed: each counted gift stamps its counter
   * with its acceptance time (the gift's sentAt), so a copy carrying a gift is never stamped earlier
   * than that gift, and a later read holds every counter at least as far.
   */
  async liveScores(item: BattleItem): Promise<LiveScores> {
    const counters: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          ConsistentRead: true,
          ExclusiveStartKey: start,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
          ExpressionAttributeValues: { ':pk': battlePartition(item.battleId), ':sk': SK_PREFIX.battleScore },
        }),
      );
      counters.push(...((out.Items ?? []) as Record<string, unknown>[]));
      start = out.LastEvaluatedKey;
    } while (start);
    let updatedAt: string | null = null;
    for (const c of counters) {
      if (typeof c.updatedAt === 'string' && (updatedAt === null || Date.parse(c.updatedAt) > Date.parse(updatedAt)))
        updatedAt = c.updatedAt;
    }
    return { ...sumScores(counters, item.inviter.channelId, item.invitee.channelId), updatedAt };
  }

  /** The battle as a client sees it now (live scores while RUNNING), or undefined. */
  async view(battleId: string, nowMs: number, channelId: string | null = null): Promise<BattleView | undefined> {
    const item = await this.battle(battleId);
    if (!item) return undefined;
    return battleView(item, item.status === 'RUNNING' ? await this.liveScores(item) : null, nowMs, channelId);
  }
}
