import { formatDuration } from '../../lib/format';
import type { Battle } from '../../lib/types';

/** How long an invitation waits for an answer (the server's `expiresAt` is the authority). */
export const INVITATION_SECONDS = 30;
/** How long the result stays on screen before each audience is back on its own stream. */
export const RESULT_SHOW_MS = 10_000;
/** The durations an inviter may pick, in minutes (InviteToBattleInput.durationMinutes). */
export const DURATION_MINUTES = { min: 1, max: 10, default: 5 } as const;
/** Each side keeps at least this share of the score bar, so its score stays readable at 0. */
export const MIN_BAR_SHARE = 12;

/** The two sides of a battle seen from one channel: its own side first. */
export interface Sides {
  own: Battle['inviter'];
  opponent: Battle['inviter'];
}

/** The battle from `channelId`'s point of view (the inviter's when the channel is neither side). */
export function sidesOf(battle: Pick<Battle, 'inviter' | 'invitee'>, channelId: string): Sides {
  return battle.invitee.channelId === channelId
    ? { own: battle.invitee, opponent: battle.inviter }
    : { own: battle.inviter, opponent: battle.invitee };
}

/**
 * The score bar's split, in percent of its width (the two add up to 100, to one decimal): even
 * before the first gift, else in proportion to the scores, each side kept at `min` percent at least.
 */
export function barShares(left: number, right: number, min = MIN_BAR_SHARE): { left: number; right: number } {
  const a = Math.max(0, left);
  const b = Math.max(0, right);
  if (a + b === 0) return { left: 50, right: 50 };
  const share = Math.min(100 - min, Math.max(min, (a / (a + b)) * 100));
  const l = Math.round(share * 10) / 10;
  return { left: l, right: Math.round((100 - l) * 10) / 10 };
}

/**
 * How far the browser's clock is behind the server's (ms, 0 or more), from a battle state stamped
 * `updatedAt` by the server and received at `receivedAt`. A state is never newer than the server's
 * clock, so `updatedAt - receivedAt` is a lower bound of the lag (less the delivery delay: a score
 * change is stamped with its gift's acceptance, a moment before the push). The largest bound so far is kept; a clock running ahead cannot be told from an old
 * stamp, so it is not corrected. Countdowns use `Date.now() + lag`: a device set slow still ends
 * the battle at the server's `endsAt`.
 */
export function clockLag(prev: number, updatedAt: string | null | undefined, receivedAt: number): number {
  const at = updatedAt ? Date.parse(updatedAt) : NaN;
  return Number.isFinite(at) ? Math.max(prev, at - receivedAt, 0) : prev;
}

/** Whole seconds until `iso` at `now` (rounded up, so "0:01" shows until the moment itself), never below 0. */
export function secondsUntil(iso: string | null | undefined, now: number): number {
  if (!iso) return 0;
  const ms = Date.parse(iso) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/** The countdown as the screen shows it: "4:59", "0:07". */
export function formatTimeLeft(iso: string | null | undefined, now: number): string {
  return formatDuration(secondsUntil(iso, now));
}

/** The countdown for screen readers: "4 minutes 59 seconds left", "7 seconds left". */
export function spokenTimeLeft(iso: string | null | undefined, now: number): string {
  const s = secondsUntil(iso, now);
  const m = Math.floor(s / 60);
  const r = s % 60;
  const parts = [
    m ? `${m} ${m === 1 ? 'minute' : 'minutes'}` : '',
    r || !m ? `${r} ${r === 1 ? 'second' : 'seconds'}` : '',
  ].filter(Boolean);
  return `${parts.join(' ')} left`;
}

/** A score as the app writes coin counts: exact, grouped ("1,240"). */
export const formatScore = (n: number): string => Math.max(0, n).toLocaleString('en-US');

/** The winning side of an ended battle (the server's result; by the scores if it sent none), or null on a draw. */
export function winnerOf(battle: Pick<Battle, 'inviter' | 'invitee' | 'result'>): Battle['inviter'] | null {
  const r = battle.result;
  if (r) {
    if (r.outcome === 'DRAW' || !r.winnerChannelId) return null;
    return battle.inviter.channelId === r.winnerChannelId ? battle.inviter : battle.invitee;
  }
  if (battle.inviter.score === battle.invitee.score) return null;
  return battle.inviter.score > battle.invitee.score ? battle.inviter : battle.invitee;
}

/**
 * The result line: "@alice wins 1,240 – 980" (the winner's score first), "Draw", and for a forfeit
 * "@alice wins 120 – 980: @bob's stream ended".
 */
export function resultSentence(battle: Pick<Battle, 'inviter' | 'invitee' | 'result'>): string {
  const winner = winnerOf(battle);
  if (!winner) return 'Draw';
  const loser = winner === battle.inviter ? battle.invitee : battle.inviter;
  const line = `@${winner.handle} wins ${formatScore(winner.score)} – ${formatScore(loser.score)}`;
  return battle.result?.forfeitChannelId === loser.channelId ? `${line}: @${loser.handle}'s stream ended` : line;
}

/** Where a status sits in a battle's life: a payload never moves a battle back. */
const STAGE: Record<Battle['status'], number> = {
  PENDING: 0,
  RUNNING: 1,
  ENDED: 2,
  CANCELLED: 2,
  DECLINED: 2,
  EXPIRED: 2,
};

/** A copy's server stamp (ms), or null when it has none. */
function stampOf(b: Pick<Battle, 'updatedAt'>): number | null {
  const t = b.updatedAt ? Date.parse(b.updatedAt) : NaN;
  return Number.isFinite(t) ? t : null;
}

/**
 * The battle to show after `next` arrives when `prev` was shown. Pushes can arrive late or out of
 * order (a subscription event, a poll's answer): for the same battle a later stage wins, a final
 * state is never replaced, and within a stage a copy stamped older (`updatedAt`: the server time
 * of the newest change it holds, a score's being its gift's acceptance) than the one shown is
 * dropped, so a late copy never takes back a score or a reconnect notice. Copies stamped alike
 * (two reads after the same gift) keep each side's higher score: scores only grow while it runs.
 * Another battle replaces the shown one unless that one is still running and the other is older.
 */
export function newerBattle(prev: Battle | null, next: Battle | null): Battle | null {
  if (!next) return prev;
  if (!prev) return next;
  if (prev.battleId !== next.battleId) {
    const prevActive = STAGE[prev.status] < 2;
    return prevActive && Date.parse(next.invitedAt) < Date.parse(prev.invitedAt) ? prev : next;
  }
  if (STAGE[next.status] !== STAGE[prev.status]) return STAGE[next.status] > STAGE[prev.status] ? next : prev;
  if (STAGE[prev.status] === 2) return prev;
  const [was, is] = [stampOf(prev), stampOf(next)];
  if (was !== null && is !== null && is < was) return prev;
  if (prev.status === 'RUNNING') {
    return {
      ...next,
      inviter: { ...next.inviter, score: Math.max(prev.inviter.score, next.inviter.score) },
      invitee: { ...next.invitee, score: Math.max(prev.invitee.score, next.invitee.score) },
    };
  }
  return next;
}

/** Server and browser clocks and a slow answer: a battle this much younger than a poll is kept. */
const POLL_GRACE_MS = 2_000;

/**
 * The battle to show after a poll asked at `askedAt` answered `answer`. An empty answer ends a
 * battle or invitation the page missed the end of, but not one that began after the poll was asked
 * (pushed meanwhile, it is newer than the answer); an ended battle stays for its result.
 */
export function afterPoll(prev: Battle | null, answer: Battle | null, askedAt: number): Battle | null {
  if (answer) return newerBattle(prev, answer);
  if (!prev || prev.status === 'ENDED') return prev;
  if (STAGE[prev.status] === 2) return null;
  const since = Date.parse(prev.status === 'RUNNING' ? (prev.startsAt ?? prev.invitedAt) : prev.invitedAt);
  return since > askedAt - POLL_GRACE_MS ? prev : null;
}

/** A side whose stream is down while the battle runs, and the whole seconds it has left to come back. */
export interface Reconnecting {
  channelId: string;
  handle: string;
  secondsLeft: number;
}

/** The sides of a RUNNING battle waiting for their stream to come back (the server's `reconnectBy`), at `now`. */
export function reconnecting(battle: Pick<Battle, 'status' | 'inviter' | 'invitee'>, now: number): Reconnecting[] {
  if (battle.status !== 'RUNNING') return [];
  return [battle.inviter, battle.invitee]
    .filter((s) => Boolean(s.reconnectBy))
    .map((s) => ({ channelId: s.channelId, handle: s.handle, secondsLeft: secondsUntil(s.reconnectBy, now) }));
}

/**
 * What a page says about a side waiting to reconnect: "Waiting for @bob to reconnect: 0:23"; to
 * that side's own streamer (`me`) "Your stream dropped: go live again within 0:23 or you lose the
 * battle."; once the time is up, before the server's end arrives, that the side did not make it.
 */
export function reconnectSentence(r: Reconnecting, me: string | null = null): string {
  const left = formatDuration(r.secondsLeft);
  if (r.channelId === me) {
    return r.secondsLeft > 0
      ? `Your stream dropped: go live again within ${left} or you lose the battle.`
      : 'Your stream did not come back in time: you lose the battle.';
  }
  return r.secondsLeft > 0
    ? `Waiting for @${r.handle} to reconnect: ${left}`
    : `@${r.handle} did not reconnect in time.`;
}

/** What a watch page shows: the single stream, the running battle, or the result for RESULT_SHOW_MS after the end. */
export type ArenaView =
  { kind: 'single' } | { kind: 'battle'; battle: Battle } | { kind: 'result'; battle: Battle; until: number };

/** The watch page's view of `battle` at `now`. An invitation is the streamers' business: viewers see nothing of it. */
export function arenaView(battle: Battle | null, now: number): ArenaView {
  if (!battle) return { kind: 'single' };
  if (battle.status === 'RUNNING') return { kind: 'battle', battle };
  if (battle.status === 'ENDED') {
    const until = Date.parse(battle.endedAt ?? battle.endsAt ?? '') + RESULT_SHOW_MS;
    if (Number.isFinite(until) && now < until) return { kind: 'result', battle, until };
  }
  return { kind: 'single' };
}

/** The control room's battle panel: nothing on, an invitation either way, the battle, or its result. */
export type StudioView =
  | { kind: 'idle' }
  | { kind: 'outgoing'; battle: Battle }
  | { kind: 'incoming'; battle: Battle }
  | { kind: 'running'; battle: Battle }
  | { kind: 'result'; battle: Battle };

/** The panel for `channelId`'s streamer given the latest battle known (invitation or battle) at `now`. */
export function studioView(battle: Battle | null, channelId: string, now: number): StudioView {
  if (!battle) return { kind: 'idle' };
  switch (battle.status) {
    case 'PENDING':
      // Past its expiry the invitation is over even before the server says so.
      if (secondsUntil(battle.expiresAt, now) === 0) return { kind: 'idle' };
      return battle.inviter.channelId === channelId ? { kind: 'outgoing', battle } : { kind: 'incoming', battle };
    case 'RUNNING':
      return { kind: 'running', battle };
    case 'ENDED':
      return arenaView(battle, now).kind === 'result' ? { kind: 'result', battle } : { kind: 'idle' };
    default:
      return { kind: 'idle' };
  }
}

/**
 * What the streamer is told when an invitation closes without a battle (null when it started or
 * is still open): "@bob declined your invitation.", "@alice cancelled the invitation.", ...
 */
export function closedInvitationNotice(
  battle: Pick<Battle, 'status' | 'inviter' | 'invitee'>,
  channelId: string,
): string | null {
  const outgoing = battle.inviter.channelId === channelId;
  const other = outgoing ? battle.invitee.handle : battle.inviter.handle;
  switch (battle.status) {
    case 'DECLINED':
      return outgoing ? `@${other} declined your invitation.` : `You declined @${other}'s invitation.`;
    case 'EXPIRED':
      return outgoing
        ? `@${other} didn't answer within ${INVITATION_SECONDS} seconds.`
        : `@${other}'s invitation expired before you answered.`;
    case 'CANCELLED':
      return outgoing ? 'You cancelled the invitation.' : `@${other} cancelled the invitation.`;
    default:
      return null;
  }
}

/**
 * The note the control room keeps after an invitation closed without a battle, or null: the
 * server's status, or "expired" as soon as the countdown ran out (before the server's push).
 */
export function studioNotice(battle: Battle | null, channelId: string, now: number): string | null {
  if (!battle) return null;
  if (battle.status === 'PENDING')
    return secondsUntil(battle.expiresAt, now) === 0
      ? closedInvitationNotice({ ...battle, status: 'EXPIRED' }, channelId)
      : null;
  return closedInvitationNotice(battle, channelId);
}

/** The battle a control-room poll answers: its running battle, else its newest open invitation. */
export function studioAnswer(current: Battle | null, invitations: readonly Battle[]): Battle | null {
  if (current) return current;
  return [...invitations].sort((a, b) => Date.parse(b.invitedAt) - Date.parse(a.invitedAt))[0] ?? null;
}

/** One row of a channel's battle history. */
export interface HistoryRow {
  battleId: string;
  opponent: string;
  own: number;
  theirs: number;
  outcome: 'Won' | 'Lost' | 'Draw';
  /** Why it was decided early, if it was: "@bob's stream ended". */
  note: string | null;
  endedAt: string;
}

/** A past battle as `channelId`'s profile lists it. */
export function historyRow(battle: Battle, channelId: string): HistoryRow {
  const { own, opponent } = sidesOf(battle, channelId);
  const winner = winnerOf(battle);
  const forfeit = battle.result?.forfeitChannelId;
  const forfeiter = forfeit === own.channelId ? own : forfeit === opponent.channelId ? opponent : null;
  return {
    battleId: battle.battleId,
    opponent: opponent.handle,
    own: own.score,
    theirs: opponent.score,
    outcome: !winner ? 'Draw' : winner.channelId === own.channelId ? 'Won' : 'Lost',
    note: forfeiter ? `@${forfeiter.handle}'s stream ended` : null,
    endedAt: battle.endedAt ?? battle.endsAt ?? battle.invitedAt,
  };
}

/** A sentence for an error of the battle mutations, by its errorType (the server's messages already are sentences). */
export function battleErrorMessage(e: { errorType?: string | undefined; message: string }): string {
  switch (e.errorType) {
    case 'SignInRequired':
      return 'Log in to do that.';
    case 'Unauthorized':
      return 'You are not allowed to do that.';
    case undefined:
      return 'We could not reach the server. Check your connection and try again.';
    default:
      return e.message;
  }
}
