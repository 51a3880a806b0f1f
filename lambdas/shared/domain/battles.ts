/**
 * PK battles (issue 16, docs/battles.md): two live streamers, a fixed duration, scores from gifts,
 * a winner at the buzzer. The rules a product person would recognise: who may do what when, which
 * gift counts, who wins, and the bonus the platform pays the winner.
 *
 * Pure and APPSYNC_JS-compatible (no `Date`, no regex, no classes): the battles function and the
 * gift pipeline's resolvers share the rules; every amount is a whole number of coins.
 */

/** Where a battle stands. PENDING is an invitation; the last four are final. */
export type BattleStatus = 'PENDING' | 'RUNNING' | 'ENDED' | 'CANCELLED' | 'DECLINED' | 'EXPIRED';
/** How an ENDED battle came out. */
export type BattleOutcome = 'WIN' | 'DRAW';
/** What ended a battle: its time ran out, a side's streamer ended it, or a side's stream ended. */
export type EndReason = 'TIMER' | 'MANUAL' | 'FORFEIT';

/** An invitation is answered within this time or expires. */
export const INVITATION_TTL_MS = 30_000;
/** Durations the inviter may choose, in minutes. */
export const MIN_DURATION_MINUTES = 1;
export const MAX_DURATION_MINUTES = 10;
export const DEFAULT_DURATION_MINUTES = 5;
/** currentBattle still answers an ENDED battle this long after it ended, so late pages show the result. */
export const RESULT_SHOWN_MS = 10_000;
/**
 * How much later than its end a RUNNING battle is finished by whoever reads it when its scheduled
 * end never came (a lost schedule must not hold both streamers forever).
 */
export const OVERDUE_GRACE_MS = 30_000;

/** The stage's battle settings (stage config `battles`, lib/config.ts). */
export interface BattleSettings {
  /** Percent of the loser's battle score (in coins) the platform pays the winner as a bonus; 0 turns the bonus off. */
  readonly bonusPercent: number;
  /** Score counters per side: gifts to one side spread over this many items, so concurrent gifts do not conflict. */
  readonly scoreShards: number;
  /**
   * How long after endsAt the scores are frozen and read: a gift stamped before endsAt whose
   * transaction is still landing counts (a transaction takes milliseconds; this is the margin).
   */
  readonly settleMs: number;
  /**
   * How long a side whose stream ended during the battle has to come back (OBS reconnecting after a
   * network blip) before it forfeits.
   */
  readonly reconnectGraceSeconds: number;
}

export const DEFAULT_BATTLE_SETTINGS: BattleSettings = {
  bonusPercent: 10,
  scoreShards: 8,
  settleMs: 1500,
  reconnectGraceSeconds: 30,
};
/** The longest reconnect grace a stage may set (a battle lasts at most 10 minutes). */
export const MAX_RECONNECT_GRACE_SECONDS = 300;

/** A refusal a caller can act on: the GraphQL errorType and a sentence. */
export interface BattleRefusal {
  readonly code: 'VALIDATION' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';
  readonly message: string;
  readonly field?: string;
}

export function isBattleRefusal(v: unknown): v is BattleRefusal {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { code?: unknown }).code === 'string' &&
    typeof (v as { message?: unknown }).message === 'string'
  );
}

/** The battle's duration in seconds from the inviter's choice (absent: the default), or a refusal. */
export function durationSecondsFor(minutes: number | null | undefined): number | BattleRefusal {
  if (minutes === null || minutes === undefined) return DEFAULT_DURATION_MINUTES * 60;
  if (
    typeof minutes !== 'number' ||
    Math.floor(minutes) !== minutes ||
    minutes < MIN_DURATION_MINUTES ||
    minutes > MAX_DURATION_MINUTES
  ) {
    return {
      code: 'VALIDATION',
      field: 'durationMinutes',
      message: `Choose a battle length of ${MIN_DURATION_MINUTES} to ${MAX_DURATION_MINUTES} whole minutes.`,
    };
  }
  return minutes * 60;
}

/**
 * Whether a gift accepted by the server at `acceptedAtMs` counts for a battle ending at
 * `endsAtMs`: strictly before the end (a gift at endsAt − 1 ms counts, one at endsAt does not).
 * The gift's transaction states the same rule as its condition on the score item.
 */
export function countsForBattle(endsAtMs: number, acceptedAtMs: number): boolean {
  return acceptedAtMs < endsAtMs;
}

/** The status a reader sees: a PENDING invitation past its expiry is EXPIRED even before the expiry's write lands. */
export function effectiveStatus(status: BattleStatus, expiresAtMs: number, nowMs: number): BattleStatus {
  return status === 'PENDING' && nowMs >= expiresAtMs ? 'EXPIRED' : status;
}

/**
 * When a battle ending for `reason` at `nowMs` stops counting gifts: the timer keeps endsAt; an
 * early end (a streamer's End, a forfeit) moves it to now, never later than it was.
 */
export function endCutoffMs(reason: EndReason, endsAtMs: number, nowMs: number): number {
  return reason === 'TIMER' ? endsAtMs : Math.min(endsAtMs, nowMs);
}

/**
 * When a side whose stream ended at `droppedAtMs` forfeits unless its stream is back: the stage's
 * reconnect grace later. The drop's own time (the stream-state event's), so a repeated or late
 * record of the same drop gives the same deadline.
 */
export function reconnectDeadlineMs(droppedAtMs: number, graceSeconds: number): number {
  return droppedAtMs + graceSeconds * 1000;
}

/** Whether a stream that came back at `backAtMs` made it within its grace (`awayUntilMs`, exclusive). */
export function backInTime(backAtMs: number, awayUntilMs: number): boolean {
  return backAtMs < awayUntilMs;
}

/**
 * The side that forfeits a battle whose gifts stop counting at `cutoffMs`: a side still away (its
 * stream ended and is not back) whose reconnect deadline came at or before the cutoff. A drop whose
 * grace runs past the buzzer forfeits nothing: the scores decide. Both sides away past their
 * deadlines: the one that dropped first; at the same millisecond, nobody (the scores decide).
 */
export function forfeitingSide(
  sides: readonly { channelId: string; awayUntilMs?: number | null }[],
  cutoffMs: number,
): string | null {
  let found: string | null = null;
  let earliest = 0;
  let tie = false;
  for (const s of sides) {
    const until = s.awayUntilMs;
    if (typeof until === 'number' && until <= cutoffMs) {
      if (found === null || until < earliest) {
        found = s.channelId;
        earliest = until;
        tie = false;
      } else if (until === earliest) {
        tie = true;
      }
    }
  }
  return tie ? null : found;
}

/** Sums score counters into each side's score (counters of other channels are ignored). */
export function sumScores(
  counters: readonly { channelId?: unknown; coins?: unknown }[],
  inviterId: string,
  inviteeId: string,
): { inviter: number; invitee: number } {
  let inviter = 0;
  let invitee = 0;
  for (const c of counters) {
    const coins = typeof c.coins === 'number' ? c.coins : 0;
    if (c.channelId === inviterId) inviter = inviter + coins;
    else if (c.channelId === inviteeId) invitee = invitee + coins;
  }
  return { inviter, invitee };
}

/** The platform's bonus to the winner: `percent` of the loser's score, rounded down to whole coins. */
export function bonusCoinsFor(loserScore: number, percent: number): number {
  if (loserScore <= 0 || percent <= 0) return 0;
  return Math.floor((loserScore * percent) / 100);
}

/** The result of an ENDED battle. */
export interface BattleResult {
  readonly outcome: BattleOutcome;
  readonly winnerChannelId: string | null;
  readonly loserChannelId: string | null;
  readonly forfeitChannelId: string | null;
  readonly bonusCoins: number;
}

/**
 * Decides a battle from its final scores. A forfeit (that side's stream ended early) loses
 * whatever the scores; otherwise the higher score wins and equal scores are a draw with no bonus.
 * The winner's bonus is `bonusPercent` of the loser's score.
 */
export function decideResult(input: {
  inviterId: string;
  inviteeId: string;
  inviterScore: number;
  inviteeScore: number;
  forfeitChannelId?: string | null;
  bonusPercent: number;
}): BattleResult {
  const forfeit =
    input.forfeitChannelId === input.inviterId || input.forfeitChannelId === input.inviteeId
      ? (input.forfeitChannelId as string)
      : null;
  let winner: string | null = null;
  let loser: string | null = null;
  if (forfeit) {
    loser = forfeit;
    winner = forfeit === input.inviterId ? input.inviteeId : input.inviterId;
  } else if (input.inviterScore > input.inviteeScore) {
    winner = input.inviterId;
    loser = input.inviteeId;
  } else if (input.inviteeScore > input.inviterScore) {
    winner = input.inviteeId;
    loser = input.inviterId;
  }
  if (!winner || !loser)
    return { outcome: 'DRAW', winnerChannelId: null, loserChannelId: null, forfeitChannelId: null, bonusCoins: 0 };
  const loserScore = loser === input.inviterId ? input.inviterScore : input.inviteeScore;
  return {
    outcome: 'WIN',
    winnerChannelId: winner,
    loserChannelId: loser,
    forfeitChannelId: forfeit,
    bonusCoins: bonusCoinsFor(loserScore, input.bonusPercent),
  };
}

/** What a streamer's battle lock says: busy until `busyUntilMs` (a running battle: for good, until it ends). */
export const BUSY_UNTIL_ENDED = 8_640_000_000_000_000;

/** Whether a streamer whose lock says `busyUntilMs` is free for a new invitation at `nowMs`. */
export function isFree(busyUntilMs: number | null | undefined, nowMs: number): boolean {
  return busyUntilMs === null || busyUntilMs === undefined || busyUntilMs < nowMs;
}

/** Whether a RUNNING battle is past its end by more than the settle time plus OVERDUE_GRACE_MS (its schedule never came). */
export function isOverdue(endsAtMs: number, nowMs: number, settleMs: number): boolean {
  return nowMs > endsAtMs + settleMs + OVERDUE_GRACE_MS;
}

/** Whether currentBattle answers a battle in `status` to `callerIsOwner` at `nowMs` (see the schema). */
export function isCurrentFor(
  battle: { status: BattleStatus; expiresAtMs: number; endedAtMs?: number | null },
  callerIsOwner: boolean,
  nowMs: number,
): boolean {
  const status = effectiveStatus(battle.status, battle.expiresAtMs, nowMs);
  if (status === 'RUNNING') return true;
  if (status === 'PENDING') return callerIsOwner;
  if (status === 'ENDED') return typeof battle.endedAtMs === 'number' && nowMs < battle.endedAtMs + RESULT_SHOWN_MS;
  return false;
}

/** The stage's battle settings from their JSON (env `BATTLES`), defaults for what is missing or invalid. */
export function battleSettingsFrom(json: string | null | undefined): BattleSettings {
  if (!json) return DEFAULT_BATTLE_SETTINGS;
  const raw = JSON.parse(json) as Partial<BattleSettings>;
  const whole = (v: unknown, min: number, max: number, fallback: number): number =>
    typeof v === 'number' && Math.floor(v) === v && v >= min && v <= max ? v : fallback;
  return {
    bonusPercent: whole(raw.bonusPercent, 0, 100, DEFAULT_BATTLE_SETTINGS.bonusPercent),
    scoreShards: whole(raw.scoreShards, 1, MAX_SCORE_SHARDS, DEFAULT_BATTLE_SETTINGS.scoreShards),
    settleMs: whole(raw.settleMs, 0, 10_000, DEFAULT_BATTLE_SETTINGS.settleMs),
    reconnectGraceSeconds: whole(
      raw.reconnectGraceSeconds,
      1,
      MAX_RECONNECT_GRACE_SECONDS,
      DEFAULT_BATTLE_SETTINGS.reconnectGraceSeconds,
    ),
  };
}

/** Most score counters per side: the start's transaction writes 2 × this plus 5 items (DynamoDB allows 100). */
export const MAX_SCORE_SHARDS = 40;

/** Environment variable carrying the stage's battle settings as JSON (the API's resolvers and the battles function). */
export const BATTLES_ENV = 'BATTLES';

/** The stage's battle settings as an environment variable (short: fits AppSync's 512 characters). */
export function battlesEnvironment(settings: BattleSettings): Record<string, string> {
  return {
    [BATTLES_ENV]: JSON.stringify({
      bonusPercent: settings.bonusPercent,
      scoreShards: settings.scoreShards,
      settleMs: settings.settleMs,
      reconnectGraceSeconds: settings.reconnectGraceSeconds,
    }),
  };
}
