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

/** The GraphQL Battle. */
export interface BattleView {
  battleId: string;
  status: BattleStatus;
  inviter: StoredSide & { score: number };
  invitee: StoredSide & { score: number };
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

const side = (s: StoredSide, score: number): StoredSide & { score: number } => ({
  channelId: s.channelId,
  handle: s.handle,
  displayName: s.displayName ?? null,
  avatarUrl: s.avatarUrl ?? null,
  playbackUrl: s.playbackUrl ?? null,
  score,
});

/** The Battle a client sees: a PENDING invitation past expiry reads EXPIRED; scores live while RUNNING, final once ENDED. */
export function battleView(
  item: BattleItem,
  live: { inviter: number; invitee: number } | null,
  nowMs: number,
  channelId: string | null = null,
): BattleView {
  const scores = item.scores ?? live ?? { inviter: 0, invitee: 0 };
  return {
    battleId: item.battleId,
    status: effectiveStatus(item.status, item.expiresAtMs, nowMs),
    inviter: side(item.inviter, scores.inviter),
    invitee: side(item.invitee, scores.invitee),
    durationSeconds: item.durationSeconds,
    invitedAt: item.invitedAt,
    expiresAt: item.expiresAt,
    startsAt: item.startsAt ?? null,
    endsAt: item.endsAt ?? null,
    endedAt: item.endedAt ?? null,
    result: item.result ?? null,
    channelId,
    updatedAt: item.updatedAt,
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
    return sumScores(counters, item.inviter.channelId, item.invitee.channelId);
  }

  /** The battle as a client sees it now (live scores while RUNNING), or undefined. */
  async view(battleId: string, nowMs: number, channelId: string | null = null): Promise<BattleView | undefined> {
    const item = await this.battle(battleId);
    if (!item) return undefined;
    return battleView(item, item.status === 'RUNNING' ? await this.scores(item) : null, nowMs, channelId);
  }
}
