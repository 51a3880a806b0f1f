/**
 * PK battles' state changes (docs/battles.md): invite, answer, cancel, expire, end. Each is one
 * DynamoDB transaction whose conditions carry the rules that must hold under concurrency:
 * - a streamer is in at most one battle or pending invitation: every invitation writes both
 *   streamers' locks only if they are free (`busyUntilMs < now`: a pending invitation holds its
 *   lock until it expires, a running battle until it ends);
 * - both streamers are live when the invitation is sent and when it is accepted (conditions on the profiles);
 * - an invitation is answered once, before it expires; a battle ends once: the ending transaction
 *   requires RUNNING, so the schedule, a streamer's End and a forfeit racing give one result;
 * - a side whose stream ends forfeits only when it is not back within the reconnect grace: the
 *   drop, the return and the forfeit are conditions on the battle item (see dropped / back / finish).
 * The schedules (end, expiry) are created before the transaction that needs them: a schedule for a
 * transaction that then fails finds nothing to do when it fires, whereas the other order could lose it.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  BUSY_UNTIL_ENDED,
  decideResult,
  durationSecondsFor,
  effectiveStatus,
  backInTime,
  endCutoffMs,
  forfeitingSide,
  INVITATION_TTL_MS,
  isBattleRefusal,
  isOverdue,
  reconnectDeadlineMs,
  type BattleRefusal,
  type BattleSettings,
  type BattleStatus,
  type EndReason,
} from '../shared/domain/battles';
import { coinsToMinor, shardSuffix } from '../shared/domain/economy';
import { handleSchema } from '../shared/domain/handles';
import { newId } from '../shared/domain/ids';
import {
  battleHistoryKey,
  battleKey,
  battleLockKey,
  battleScoreKey,
  earningsShardKey,
  handleKey,
  ledgerKey,
  platformRevenueShardKey,
  profileKey,
  SK_PREFIX,
} from '../shared/domain/keys';
import { DomainError } from '../shared/errors';
import { forfeitTag, type BattleSchedules } from './schedules';
import { BattleReads, battleView, type BattleItem, type BattleView, type StoredSide } from './store';

/** The economy settings the bonus needs (the stage's `economy`). */
export interface BonusEconomy {
  coinValueMinor: number;
  currency: string;
  shards: { earnings: number; platformRevenue: number };
}

/** What the battle operations work with; the handler builds it from the environment, tests pass their own. */
export interface BattleDeps {
  doc: DynamoDBDocumentClient;
  table: string;
  settings: BattleSettings;
  economy: BonusEconomy;
  schedules: BattleSchedules;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Failures the caller does not need to hear about (a schedule that could not be deleted). */
  warn(message: string, details: Record<string, unknown>): void;
}

const refuse = (r: BattleRefusal): never => {
  throw new DomainError(r.code, r.message, r.field ? { field: r.field } : {});
};
const conflict = (message: string): never => refuse({ code: 'CONFLICT', message });
const iso = (ms: number) => new Date(ms).toISOString();
const at = (handle: string) => `@${handle}`;

interface CancelReason {
  Code?: string;
}
/** The per-item reasons of a cancelled transaction, or undefined for any other error. */
function cancellationOf(error: unknown): CancelReason[] | undefined {
  const e = error as { name?: string; CancellationReasons?: CancelReason[] };
  return e.name === 'TransactionCanceledException' ? (e.CancellationReasons ?? []) : undefined;
}
const failedAt = (reasons: CancelReason[], i: number) => reasons[i]?.Code === 'ConditionalCheckFailed';
const isConditionFailure = (e: unknown) => (e as { name?: string }).name === 'ConditionalCheckFailedException';

/** Longest a finisher waits for the buzzer plus the settle time (the settle time is at most 10 s). */
const MAX_SETTLE_WAIT_MS = 15_000;

type Profile = {
  userId: string;
  handle: string;
  displayName?: string;
  status?: string;
  /** When the current stream started (the stream-state function's write), while LIVE. */
  liveSince?: string;
  playbackUrl?: string;
  avatarUrl?: string;
};

/** The battle operations. */
export class Battles {
  readonly reads: BattleReads;

  constructor(private readonly d: BattleDeps) {
    this.reads = new BattleReads(d.doc, d.table);
  }

  private async profile(userId: string): Promise<Profile | undefined> {
    const { Item } = await this.d.doc.send(
      new GetCommand({ TableName: this.d.table, Key: profileKey(userId), ConsistentRead: true }),
    );
    return Item as Profile | undefined;
  }

  private async streamerByHandle(raw: string): Promise<Profile> {
    const handle = (raw ?? '').trim().replace(/^@/, '');
    if (!handleSchema.safeParse(handle).success) {
      refuse({
        code: 'VALIDATION',
        field: 'opponentHandle',
        message: 'Type the handle of the streamer you want to battle (3 to 30 letters, digits, _ or .).',
      });
    }
    const { Item: claim } = await this.d.doc.send(new GetCommand({ TableName: this.d.table, Key: handleKey(handle) }));
    const profile = claim ? await this.profile(claim.userId as string) : undefined;
    if (!profile)
      refuse({
        code: 'NOT_FOUND',
        field: 'opponentHandle',
        message: `No streamer goes by @${handle}; check the handle.`,
      });
    return profile as Profile;
  }

  /** A lock held by a RUNNING battle whose end never came is freed by ending that battle now. */
  private async finishOverdue(userId: string): Promise<void> {
    const lock = await this.reads.lock(userId);
    if (!lock || lock.state !== 'RUNNING') return;
    const battle = await this.reads.battle(lock.battleId);
    if (battle?.status === 'RUNNING' && isOverdue(battle.endsAtMs ?? 0, this.d.now(), this.d.settings.settleMs)) {
      await this.finish(battle.battleId, 'TIMER');
    }
  }

  /** inviteToBattle: `me` invites the streamer `opponentHandle` for `durationMinutes`. */
  async invite(me: string, input: { opponentHandle: string; durationMinutes?: number | null }): Promise<BattleView> {
    const duration = durationSecondsFor(input.durationMinutes);
    if (isBattleRefusal(duration)) return refuse(duration);
    const opponent = await this.streamerByHandle(input.opponentHandle);
    if (opponent.userId === me)
      refuse({
        code: 'VALIDATION',
        field: 'opponentHandle',
        message: 'You cannot battle yourself; invite another streamer.',
      });
    const mine = await this.profile(me);
    if (!mine) return conflict('Set up your channel in Studio and go live before you invite someone to a battle.');
    if (mine.status !== 'LIVE') conflict('You are not live; go live before you invite someone to a battle.');
    if (opponent.status !== 'LIVE')
      conflict(`${at(opponent.handle)} is not live right now; you can invite a streamer while they are live.`);
    await Promise.all([this.finishOverdue(me), this.finishOverdue(opponent.userId)]);

    const now = this.d.now();
    const battleId = newId('battle');
    const expiresAtMs = now + INVITATION_TTL_MS;
    const item: BattleItem = {
      battleId,
      status: 'PENDING',
      inviter: sideOf(mine),
      invitee: sideOf(opponent),
      durationSeconds: duration as number,
      invitedAt: iso(now),
      expiresAt: iso(expiresAtMs),
      expiresAtMs,
      scoreShards: this.d.settings.scoreShards,
      updatedAt: iso(now),
    };
    await this.d.schedules.create('EXPIRE', battleId, expiresAtMs);
    const lock = (userId: string, role: string) => ({
      Put: {
        TableName: this.d.table,
        Item: {
          ...battleLockKey(userId),
          type: 'BattleLock',
          battleId,
          role,
          state: 'PENDING',
          busyUntilMs: expiresAtMs,
          updatedAt: iso(now),
        },
        ConditionExpression: 'attribute_not_exists(PK) OR busyUntilMs < :now',
        ExpressionAttributeValues: { ':now': now },
      },
    });
    const live = (userId: string) => ({
      ConditionCheck: {
        TableName: this.d.table,
        Key: profileKey(userId),
        ConditionExpression: '#status = :live',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':live': 'LIVE' },
      },
    });
    try {
      await this.d.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.d.table,
                Item: { ...battleKey(battleId), type: 'Battle', ...item },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            lock(me, 'INVITER'),
            lock(opponent.userId, 'INVITEE'),
            live(me),
            live(opponent.userId),
          ],
        }),
      );
    } catch (error) {
      const reasons = cancellationOf(error);
      await this.removeSchedule('EXPIRE', battleId);
      if (!reasons) throw error;
      if (failedAt(reasons, 1))
        conflict('You are already in a battle or have a pending invitation; finish or cancel it first.');
      if (failedAt(reasons, 2))
        conflict(
          `${at(opponent.handle)} is already in a battle or has a pending invitation; try again when it is over.`,
        );
      if (failedAt(reasons, 3)) conflict('You are not live; go live before you invite someone to a battle.');
      if (failedAt(reasons, 4))
        conflict(`${at(opponent.handle)} is not live right now; you can invite a streamer while they are live.`);
      throw error;
    }
    return battleView(item, null, now);
  }

  private async pending(me: string, battleId: string, role: 'invitee' | 'inviter'): Promise<BattleItem> {
    const item = await this.reads.battle(battleId);
    if (!item) return refuse({ code: 'NOT_FOUND', message: 'This battle invitation does not exist (any more).' });
    if (item[role].channelId !== me) {
      refuse({
        code: 'FORBIDDEN',
        message:
          role === 'invitee'
            ? `Only ${at(item.invitee.handle)}, who was invited, can answer this invitation.`
            : `Only ${at(item.inviter.handle)}, who sent this invitation, can cancel it.`,
      });
    }
    const status = effectiveStatus(item.status, item.expiresAtMs, this.d.now());
    if (status === 'EXPIRED')
      conflict(
        role === 'invitee'
          ? `This invitation expired; ask ${at(item.inviter.handle)} to invite you again.`
          : 'This invitation already expired.',
      );
    if (status !== 'PENDING') conflict(`This invitation was already answered (the battle is ${status.toLowerCase()}).`);
    return item;
  }

  /** respondToBattle: the invitee accepts (the battle starts now) or declines. */
  async respond(me: string, battleId: string, accept: boolean): Promise<BattleView> {
    const item = await this.pending(me, battleId, 'invitee');
    if (!accept) return this.close(item, 'DECLINED');
    const now = this.d.now();
    const endsAtMs = now + item.durationSeconds * 1000;
    await this.d.schedules.create('END', battleId, endsAtMs + this.d.settings.settleMs);
    const running = (userId: string) => ({
      Update: {
        TableName: this.d.table,
        Key: battleLockKey(userId),
        UpdateExpression: 'SET #state = :running, busyUntilMs = :busy, updatedAt = :at',
        ConditionExpression: 'battleId = :id',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':running': 'RUNNING',
          ':busy': BUSY_UNTIL_ENDED,
          ':at': iso(now),
          ':id': battleId,
        },
      },
    });
    const linked = (userId: string) => ({
      Update: {
        TableName: this.d.table,
        Key: profileKey(userId),
        UpdateExpression: 'SET battleId = :id',
        ConditionExpression: '#status = :live',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':id': battleId, ':live': 'LIVE' },
      },
    });
    const counters = [item.inviter.channelId, item.invitee.channelId].flatMap((channelId) =>
      Array.from({ length: item.scoreShards }, (_, n) => ({
        Put: {
          TableName: this.d.table,
          Item: {
            ...battleScoreKey(battleId, channelId, shardSuffix(n)),
            type: 'BattleScore',
            battleId,
            channelId,
            coins: 0,
            gifts: 0,
            endsAtMs,
            updatedAt: iso(now),
          },
        },
      })),
    );
    try {
      await this.d.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.d.table,
                Key: battleKey(battleId),
                UpdateExpression:
                  'SET #status = :running, startsAt = :startsAt, endsAt = :endsAt, endsAtMs = :endsAtMs, updatedAt = :startsAt',
                ConditionExpression: '#status = :pending AND expiresAtMs > :now',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':running': 'RUNNING',
                  ':pending': 'PENDING',
                  ':startsAt': iso(now),
                  ':endsAt': iso(endsAtMs),
                  ':endsAtMs': endsAtMs,
                  ':now': now,
                },
              },
            },
            running(item.inviter.channelId),
            running(item.invitee.channelId),
            linked(item.inviter.channelId),
            linked(item.invitee.channelId),
            ...counters,
          ],
        }),
      );
    } catch (error) {
      const reasons = cancellationOf(error);
      await this.removeSchedule('END', battleId);
      if (!reasons) throw error;
      if (failedAt(reasons, 0) || failedAt(reasons, 1) || failedAt(reasons, 2)) {
        const now2 = this.d.now();
        const fresh = await this.reads.battle(battleId);
        const status = fresh ? effectiveStatus(fresh.status, fresh.expiresAtMs, now2) : 'EXPIRED';
        conflict(
          status === 'EXPIRED' || status === 'PENDING'
            ? `This invitation expired; ask ${at(item.inviter.handle)} to invite you again.`
            : `This invitation was already answered (the battle is ${status.toLowerCase()}).`,
        );
      }
      if (failedAt(reasons, 3))
        conflict(`${at(item.inviter.handle)} is not live any more; a battle needs both streams live.`);
      if (failedAt(reasons, 4)) conflict('You are not live; go live to start the battle.');
      throw error;
    }
    await this.removeSchedule('EXPIRE', battleId);
    return (await this.reads.view(battleId, this.d.now())) as BattleView;
  }

  /** cancelBattleInvitation: the inviter withdraws the pending invitation. */
  async cancel(me: string, battleId: string): Promise<BattleView> {
    return this.close(await this.pending(me, battleId, 'inviter'), 'CANCELLED');
  }

  /** Puts a PENDING invitation into a final state (declined, cancelled, expired) and frees both streamers. */
  private async close(
    item: BattleItem,
    status: Extract<BattleStatus, 'DECLINED' | 'CANCELLED' | 'EXPIRED'>,
  ): Promise<BattleView> {
    const now = this.d.now();
    try {
      await this.d.doc.send(
        new UpdateCommand({
          TableName: this.d.table,
          Key: battleKey(item.battleId),
          UpdateExpression: 'SET #status = :final, updatedAt = :at',
          ConditionExpression:
            status === 'EXPIRED'
              ? '#status = :pending AND expiresAtMs <= :now'
              : '#status = :pending AND expiresAtMs > :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':final': status, ':pending': 'PENDING', ':now': now, ':at': iso(now) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const fresh = await this.reads.battle(item.battleId);
      if (status === 'EXPIRED') return battleView(fresh ?? item, null, now);
      const seen = fresh ? effectiveStatus(fresh.status, fresh.expiresAtMs, now) : 'EXPIRED';
      return conflict(
        seen === 'EXPIRED'
          ? 'This invitation already expired.'
          : `This invitation was already answered (the battle is ${seen.toLowerCase()}).`,
      );
    }
    // A lock taken over by a newer invitation (this one expired first) is that invitation's: only ours is freed.
    await Promise.all(
      [item.inviter.channelId, item.invitee.channelId].map((userId) =>
        this.release(userId, item.battleId, status, now),
      ),
    );
    if (status !== 'EXPIRED') await this.removeSchedule('EXPIRE', item.battleId);
    return battleView({ ...item, status, updatedAt: iso(now) }, null, now);
  }

  private async release(userId: string, battleId: string, state: BattleStatus, now: number): Promise<void> {
    try {
      await this.d.doc.send(
        new UpdateCommand({
          TableName: this.d.table,
          Key: battleLockKey(userId),
          UpdateExpression: 'SET #state = :state, busyUntilMs = :zero, updatedAt = :at',
          ConditionExpression: 'battleId = :id AND #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':state': state,
            ':zero': 0,
            ':at': iso(now),
            ':id': battleId,
            ':pending': 'PENDING',
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** The invitation's expiry schedule fired: a still-PENDING invitation expires (early: waits for its time). */
  async expire(battleId: string): Promise<BattleView | undefined> {
    const item = await this.reads.battle(battleId);
    if (!item || item.status !== 'PENDING') return item ? battleView(item, null, this.d.now()) : undefined;
    const wait = item.expiresAtMs - this.d.now();
    if (wait > 0) await this.d.sleep(wait);
    return this.close(item, 'EXPIRED');
  }

  /** endBattle: either side's streamer ends the RUNNING battle now. An ENDED battle is answered as it is. */
  async end(me: string, battleId: string): Promise<BattleView> {
    const item = await this.reads.battle(battleId);
    if (!item) return refuse({ code: 'NOT_FOUND', message: 'This battle does not exist.' });
    if (item.inviter.channelId !== me && item.invitee.channelId !== me) {
      refuse({ code: 'FORBIDDEN', message: 'Only the two streamers in this battle can end it.' });
    }
    if (item.status === 'PENDING') conflict('This battle has not started; cancel or decline the invitation instead.');
    if (item.status !== 'RUNNING' && item.status !== 'ENDED')
      conflict(`This battle never started (it was ${item.status.toLowerCase()}).`);
    return this.finish(battleId, 'MANUAL');
  }

  /**
   * Ends a RUNNING battle once, whoever calls (the schedule at endsAt, a streamer, a forfeit):
   * 0. a side still away whose reconnect grace ran out by the cutoff forfeits: claimed on the
   *    battle item (claimForfeit), so a stream coming back now cannot undo it halfway;
   * 1. an early end moves endsAt to now on the battle and its counters (gifts after it stop counting);
   * 2. waits until endsAt + settleMs, so gifts accepted before endsAt have landed;
   * 3. freezes the counters (`closedAt`: a late transaction is refused by its own condition) and sums them;
   * 4. one transaction: ENDED with the scores and result only if still RUNNING, both locks freed,
   *    both profiles unlinked, a history entry per side, and the winner's bonus (ledger entry,
   *    earnings shard, minus on a platform revenue shard: the coins stay conserved).
   * A racing finisher loses step 4's condition and answers the battle the winner wrote.
   */
  async finish(battleId: string, reason: EndReason): Promise<BattleView> {
    let item = await this.reads.battle(battleId);
    if (!item) return refuse({ code: 'NOT_FOUND', message: 'This battle does not exist.' });
    if (item.status !== 'RUNNING') return battleView(item, null, this.d.now());
    const cutoff = endCutoffMs(reason, item.endsAtMs as number, this.d.now());
    const claimed = await this.claimForfeit(item, cutoff);
    if (claimed.item.status !== 'RUNNING') return battleView(claimed.item, null, this.d.now());
    item = claimed.item;
    const forfeitChannelId = claimed.forfeit;
    // A forfeit schedule whose side came back in time has nothing to end.
    if (reason === 'FORFEIT' && !forfeitChannelId)
      return battleView(item, await this.reads.liveScores(item), this.d.now());
    const counterKeys = [item.inviter.channelId, item.invitee.channelId].flatMap((c) =>
      Array.from({ length: item.scoreShards }, (_, n) => battleScoreKey(battleId, c, shardSuffix(n))),
    );
    if (cutoff < (item.endsAtMs as number)) {
      await this.lowerEnd(battleKey(battleId), cutoff, { endsAt: iso(cutoff) });
      await Promise.all(counterKeys.map((key) => this.lowerEnd(key, cutoff)));
    }
    const wait = cutoff + this.d.settings.settleMs - this.d.now();
    // A schedule never fires early; a timer end long before endsAt is not one to act on.
    if (wait > MAX_SETTLE_WAIT_MS) return battleView(item, await this.reads.scores(item), this.d.now());
    if (wait > 0) await this.d.sleep(wait);
    const frozenAt = iso(this.d.now());
    await Promise.all(
      counterKeys.map((key) =>
        this.d.doc.send(
          new UpdateCommand({
            TableName: this.d.table,
            Key: key,
            UpdateExpression: 'SET closedAt = if_not_exists(closedAt, :at)',
            ExpressionAttributeValues: { ':at': frozenAt },
          }),
        ),
      ),
    );
    const scores = await this.reads.scores(item);
    const result = decideResult({
      inviterId: item.inviter.channelId,
      inviteeId: item.invitee.channelId,
      inviterScore: scores.inviter,
      inviteeScore: scores.invitee,
      forfeitChannelId,
      bonusPercent: this.d.settings.bonusPercent,
    });
    for (let attempt = 0; ; attempt++) {
      const now = this.d.now();
      const ended: BattleItem = {
        ...item,
        status: 'ENDED',
        endsAt: iso(cutoff),
        endsAtMs: cutoff,
        endedAt: iso(now),
        endedAtMs: now,
        endReason: forfeitChannelId ? 'FORFEIT' : reason,
        scores,
        result: {
          outcome: result.outcome,
          winnerChannelId: result.winnerChannelId,
          forfeitChannelId: result.forfeitChannelId,
          bonusCoins: result.bonusCoins,
        },
        updatedAt: iso(now),
      };
      try {
        await this.d.doc.send(new TransactWriteCommand({ TransactItems: this.endItems(ended, result.loserChannelId) }));
        return battleView(ended, null, now);
      } catch (error) {
        const reasons = cancellationOf(error);
        if (reasons && failedAt(reasons, 0))
          return battleView((await this.reads.battle(battleId)) as BattleItem, null, this.d.now());
        if (!reasons || !reasons.some((r) => r.Code === 'TransactionConflict') || attempt >= 4) throw error;
        await this.d.sleep(20 + Math.floor(Math.random() * 80));
      }
    }
  }

  /**
   * The side that forfeits a battle ending at `cutoff` (domain forfeitingSide), claimed on the battle
   * item only if that side is still away on the same deadline and no other forfeit was claimed; a
   * claim already there stands. A stream that is back in time but whose return the fan-out has not
   * processed yet (the profile says LIVE since before the deadline) is taken back here instead. A
   * claim lost to a returning stream reads the battle again.
   */
  private async claimForfeit(item: BattleItem, cutoff: number): Promise<{ item: BattleItem; forfeit: string | null }> {
    if (item.forfeitChannelId) return { item, forfeit: item.forfeitChannelId };
    const forfeit = forfeitingSide([item.inviter, item.invitee], cutoff);
    if (!forfeit) return { item, forfeit: null };
    const role = item.inviter.channelId === forfeit ? 'inviter' : 'invitee';
    const deadline = item[role].awayUntilMs as number;
    const profile = await this.profile(forfeit);
    const liveSince = Date.parse(profile?.liveSince ?? '');
    if (profile?.status === 'LIVE' && Number.isFinite(liveSince) && backInTime(liveSince, deadline)) {
      await this.back(item.battleId, forfeit, liveSince);
      const fresh = (await this.reads.battle(item.battleId)) as BattleItem;
      return { item: fresh, forfeit: fresh.forfeitChannelId ?? null };
    }
    try {
      await this.d.doc.send(
        new UpdateCommand({
          TableName: this.d.table,
          Key: battleKey(item.battleId),
          UpdateExpression: 'SET forfeitChannelId = :c',
          ConditionExpression:
            '#status = :running AND #side.awayUntilMs = :d AND attribute_not_exists(forfeitChannelId)',
          ExpressionAttributeNames: { '#status': 'status', '#side': role },
          ExpressionAttributeValues: { ':c': forfeit, ':running': 'RUNNING', ':d': deadline },
        }),
      );
      return { item: { ...item, forfeitChannelId: forfeit }, forfeit };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const fresh = (await this.reads.battle(item.battleId)) as BattleItem;
      return { item: fresh, forfeit: fresh.forfeitChannelId ?? null };
    }
  }

  /**
   * A side's stream ended at `droppedAtMs` while its battle runs (the stream-state write, seen on the
   * table stream): the side is marked away until the reconnect grace runs out (the clients show
   * "waiting for @x to reconnect") and a one-time schedule forfeits it then. A repeated record of the
   * same drop changes nothing; a drop whose grace runs past the buzzer needs no schedule (the scores
   * decide); a record processed after its deadline forfeits at once.
   */
  async dropped(battleId: string, channelId: string, droppedAtMs: number): Promise<void> {
    const item = await this.reads.battle(battleId);
    if (item?.status !== 'RUNNING') return;
    const role = roleOf(item, channelId);
    if (!role || typeof item[role].awayUntilMs === 'number') return;
    const deadline = reconnectDeadlineMs(droppedAtMs, this.d.settings.reconnectGraceSeconds);
    const endsAtMs = item.endsAtMs as number;
    const now = this.d.now();
    if (deadline <= endsAtMs && deadline > now)
      await this.d.schedules.create('FORFEIT', battleId, deadline, forfeitTag(role, deadline));
    try {
      await this.d.doc.send(
        new UpdateCommand({
          TableName: this.d.table,
          Key: battleKey(battleId),
          UpdateExpression: 'SET #side.awayUntilMs = :d, updatedAt = :at',
          ConditionExpression: '#status = :running AND attribute_not_exists(#side.awayUntilMs)',
          ExpressionAttributeNames: { '#status': 'status', '#side': role },
          ExpressionAttributeValues: { ':d': deadline, ':running': 'RUNNING', ':at': iso(now) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return;
    }
    if (deadline <= now && deadline <= endsAtMs) await this.finish(battleId, 'FORFEIT');
  }

  /**
   * A side's stream is live again at `backAtMs`: within its grace the side is no longer away (no
   * forfeit) and its forfeit schedule goes; after the deadline, or once a finisher claimed the
   * forfeit, the forfeit stands.
   */
  async back(battleId: string, channelId: string, backAtMs: number): Promise<void> {
    const item = await this.reads.battle(battleId);
    if (item?.status !== 'RUNNING' || item.forfeitChannelId) return;
    const role = roleOf(item, channelId);
    const deadline = role ? item[role].awayUntilMs : undefined;
    if (!role || typeof deadline !== 'number' || !backInTime(backAtMs, deadline)) return;
    try {
      await this.d.doc.send(
        new UpdateCommand({
          TableName: this.d.table,
          Key: battleKey(battleId),
          UpdateExpression: 'REMOVE #side.awayUntilMs SET updatedAt = :at',
          ConditionExpression:
            '#status = :running AND #side.awayUntilMs = :d AND attribute_not_exists(forfeitChannelId)',
          ExpressionAttributeNames: { '#status': 'status', '#side': role },
          ExpressionAttributeValues: { ':d': deadline, ':running': 'RUNNING', ':at': iso(this.d.now()) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return;
    }
    await this.removeSchedule('FORFEIT', battleId, forfeitTag(role, deadline));
  }

  private async lowerEnd(
    key: { PK: string; SK: string },
    cutoff: number,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const names = Object.keys(extra);
    try {
      await this.d.doc.send(
        new UpdateCommand({
          TableName: this.d.table,
          Key: key,
          UpdateExpression: `SET endsAtMs = :cut${names.map((n) => `, ${n} = :${n}`).join('')}`,
          ConditionExpression: 'endsAtMs > :cut',
          ExpressionAttributeValues: { ':cut': cutoff, ...Object.fromEntries(names.map((n) => [`:${n}`, extra[n]])) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** The ending transaction's items (see finish): the battle's condition comes first, its reason tells a racing finisher. */
  private endItems(
    ended: BattleItem,
    loserChannelId: string | null,
  ): NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> {
    const t = this.d.table;
    const at = ended.endedAt as string;
    const final = withoutKeys(ended);
    const freed = (userId: string) => ({
      Update: {
        TableName: t,
        Key: battleLockKey(userId),
        UpdateExpression: 'SET #state = :ended, busyUntilMs = :zero, endedAtMs = :endedAtMs, updatedAt = :at',
        ConditionExpression: 'battleId = :id',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':ended': 'ENDED',
          ':zero': 0,
          ':endedAtMs': ended.endedAtMs,
          ':at': at,
          ':id': ended.battleId,
        },
      },
    });
    // No other battle can have linked the profile: its lock was busy with this one until this very transaction.
    const unlinked = (userId: string) => ({
      Update: {
        TableName: t,
        Key: profileKey(userId),
        UpdateExpression: 'REMOVE battleId',
        ConditionExpression: 'attribute_exists(PK)',
      },
    });
    const history = (userId: string) => ({
      Put: {
        TableName: t,
        Item: { ...battleHistoryKey(userId, at, ended.battleId), type: 'BattleHistory', battle: final },
      },
    });
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: {
          TableName: t,
          Key: battleKey(ended.battleId),
          UpdateExpression:
            'SET #status = :ended, endsAt = :endsAt, endsAtMs = :endsAtMs, endedAt = :at, endedAtMs = :endedAtMs, endReason = :reason, scores = :scores, #result = :result, updatedAt = :at',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
          ExpressionAttributeValues: {
            ':ended': 'ENDED',
            ':running': 'RUNNING',
            ':endsAt': ended.endsAt,
            ':endsAtMs': ended.endsAtMs,
            ':at': at,
            ':endedAtMs': ended.endedAtMs,
            ':reason': ended.endReason,
            ':scores': ended.scores,
            ':result': ended.result,
          },
        },
      },
      freed(ended.inviter.channelId),
      freed(ended.invitee.channelId),
      unlinked(ended.inviter.channelId),
      unlinked(ended.invitee.channelId),
      history(ended.inviter.channelId),
      history(ended.invitee.channelId),
    ];
    const bonus = ended.result?.bonusCoins ?? 0;
    const winner = ended.result?.winnerChannelId;
    if (bonus > 0 && winner && loserChannelId) {
      const e = this.d.economy;
      const bonusMinor = coinsToMinor(bonus, e.coinValueMinor);
      const loser = loserChannelId === ended.inviter.channelId ? ended.inviter : ended.invitee;
      const entry = ledgerKey(winner, at, ended.battleId);
      items.push(
        {
          Put: {
            TableName: t,
            Item: {
              ...entry,
              type: 'LedgerEntry',
              entryId: entry.SK.slice(SK_PREFIX.ledger.length),
              kind: 'BATTLE_BONUS',
              coins: 0,
              amount: bonusMinor,
              currency: e.currency,
              bonusCoins: bonus,
              battleId: ended.battleId,
              channelId: winner,
              txId: ended.battleId,
              counterpartyId: loser.channelId,
              counterpartyHandle: loser.handle,
              createdAt: at,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Update: {
            TableName: t,
            Key: earningsShardKey(winner, shardSuffix(randomShard(e.shards.earnings))),
            UpdateExpression: 'ADD earnedMinor :bonus SET #type = :type, userId = :user, updatedAt = :at',
            ExpressionAttributeNames: { '#type': 'type' },
            ExpressionAttributeValues: { ':bonus': bonusMinor, ':type': 'EarningsShard', ':user': winner, ':at': at },
          },
        },
        {
          Update: {
            TableName: t,
            Key: platformRevenueShardKey(shardSuffix(randomShard(e.shards.platformRevenue))),
            UpdateExpression: 'ADD revenueMinor :minus SET #type = :type, currency = :currency, updatedAt = :at',
            ExpressionAttributeNames: { '#type': 'type' },
            ExpressionAttributeValues: {
              ':minus': -bonusMinor,
              ':type': 'PlatformRevenueShard',
              ':currency': e.currency,
              ':at': at,
            },
          },
        },
      );
    }
    return items;
  }

  private async removeSchedule(action: 'END' | 'EXPIRE' | 'FORFEIT', battleId: string, tag?: string): Promise<void> {
    try {
      await this.d.schedules.remove(action, battleId, tag);
    } catch (error) {
      // It deletes itself after firing, and firing finds nothing to do: a leftover costs one invocation.
      this.d.warn('could not delete a battle schedule', { action, battleId, error: (error as Error).message });
    }
  }
}

/** The battle's attributes without the item's own key and type (for the copies in the streamers' histories). */
function withoutKeys(item: BattleItem): BattleItem {
  const copy: Record<string, unknown> = { ...item };
  delete copy.PK;
  delete copy.SK;
  delete copy.type;
  return copy as unknown as BattleItem;
}

const roleOf = (item: BattleItem, channelId: string): 'inviter' | 'invitee' | null =>
  item.inviter.channelId === channelId ? 'inviter' : item.invitee.channelId === channelId ? 'invitee' : null;

const randomShard = (n: number) => (n > 1 ? Math.floor(Math.random() * n) : 0);

function sideOf(p: Profile): StoredSide {
  return {
    channelId: p.userId,
    handle: p.handle,
    displayName: p.displayName ?? null,
    avatarUrl: p.avatarUrl ?? null,
    playbackUrl: p.playbackUrl ?? null,
  };
}
