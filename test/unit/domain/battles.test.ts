/**
 * PK battle rules (lambdas/shared/domain/battles.ts): which gift counts at the buzzer, who wins, the
 * bonus, forfeits and the reconnect grace, invitation expiry, what currentBattle answers, and the stage settings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUSY_UNTIL_ENDED,
  DEFAULT_BATTLE_SETTINGS,
  INVITATION_TTL_MS,
  RESULT_SHOWN_MS,
  battleSettingsFrom,
  battlesEnvironment,
  bonusCoinsFor,
  countsForBattle,
  decideResult,
  durationSecondsFor,
  effectiveStatus,
  backInTime,
  endCutoffMs,
  forfeitingSide,
  isCurrentFor,
  isFree,
  isOverdue,
  reconnectDeadlineMs,
  sumScores,
} from '../../../lambdas/shared/domain/battles';
import { useSeededProperties } from '../../support/fast-check';

useSeededProperties();
const ENDS = Date.parse('2026-12-03T01:05:00.000Z');

describe('the buzzer', () => {
  it('counts a gift accepted at endsAt − 1 ms and not one at endsAt', () => {
    expect(countsForBattle(ENDS, ENDS - 1)).toBe(true);
    expect(countsForBattle(ENDS, ENDS)).toBe(false);
    expect(countsForBattle(ENDS, ENDS + 1)).toBe(false);
  });

  it('counts exactly the gifts accepted strictly before endsAt (any times)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 45 }), (ends, at) => {
        expect(countsForBattle(ends, at)).toBe(at < ends);
      }),
    );
  });

  it('keeps endsAt for the timer and moves it to now for an early end, never later', () => {
    expect(endCutoffMs('TIMER', ENDS, ENDS + 5000)).toBe(ENDS);
    expect(endCutoffMs('MANUAL', ENDS, ENDS - 60_000)).toBe(ENDS - 60_000);
    expect(endCutoffMs('FORFEIT', ENDS, ENDS - 1)).toBe(ENDS - 1);
    expect(endCutoffMs('MANUAL', ENDS, ENDS + 10)).toBe(ENDS);
  });
});

describe('the result', () => {
  const base = { inviterId: 'ann', inviteeId: 'bob', bonusPercent: 10 };

  it("the higher score wins and earns the bonus: 10 % of the loser's score, rounded down", () => {
    expect(decideResult({ ...base, inviterScore: 1240, inviteeScore: 985 })).toEqual({
      outcome: 'WIN',
      winnerChannelId: 'ann',
      loserChannelId: 'bob',
      forfeitChannelId: null,
      bonusCoins: 98,
    });
    expect(decideResult({ ...base, inviterScore: 3, inviteeScore: 4 })).toMatchObject({
      winnerChannelId: 'bob',
      bonusCoins: 0,
    });
  });

  it('a tie is a draw with no winner and no bonus', () => {
    expect(decideResult({ ...base, inviterScore: 500, inviteeScore: 500 })).toEqual({
      outcome: 'DRAW',
      winnerChannelId: null,
      loserChannelId: null,
      forfeitChannelId: null,
      bonusCoins: 0,
    });
    expect(decideResult({ ...base, inviterScore: 0, inviteeScore: 0 }).outcome).toBe('DRAW');
  });

  it("a side whose stream ended forfeits whatever the scores; the bonus is still a share of the loser's score", () => {
    expect(decideResult({ ...base, inviterScore: 900, inviteeScore: 100, forfeitChannelId: 'ann' })).toEqual({
      outcome: 'WIN',
      winnerChannelId: 'bob',
      loserChannelId: 'ann',
      forfeitChannelId: 'ann',
      bonusCoins: 90,
    });
    expect(decideResult({ ...base, inviterScore: 7, inviteeScore: 7, forfeitChannelId: 'bob' })).toMatchObject({
      outcome: 'WIN',
      winnerChannelId: 'ann',
    });
    // A forfeit naming neither side is no forfeit.
    expect(decideResult({ ...base, inviterScore: 1, inviteeScore: 2, forfeitChannelId: 'eve' })).toMatchObject({
      winnerChannelId: 'bob',
      forfeitChannelId: null,
    });
  });

  it("for any scores: a draw exactly when equal without forfeit, the winner never the lower score, the bonus within the loser's score", () => {
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.nat(10_000_000), fc.integer({ min: 0, max: 100 }), (a, b, pct) => {
        const r = decideResult({
          inviterId: 'ann',
          inviteeId: 'bob',
          inviterScore: a,
          inviteeScore: b,
          bonusPercent: pct,
        });
        expect(r.outcome === 'DRAW').toBe(a === b);
        if (r.outcome === 'WIN') {
          const [win, lose] = r.winnerChannelId === 'ann' ? [a, b] : [b, a];
          expect(win).toBeGreaterThan(lose);
          expect(r.bonusCoins).toBe(Math.floor((lose * pct) / 100));
          expect(r.bonusCoins).toBeLessThanOrEqual(lose);
        } else {
          expect(r.bonusCoins).toBe(0);
        }
        expect(Number.isInteger(r.bonusCoins)).toBe(true);
      }),
    );
  });

  it('no bonus for a zero score or a zero percent', () => {
    expect(bonusCoinsFor(0, 50)).toBe(0);
    expect(bonusCoinsFor(999, 0)).toBe(0);
    expect(bonusCoinsFor(9, 10)).toBe(0);
    expect(bonusCoinsFor(10, 10)).toBe(1);
  });

  it("sums each side's counters and ignores others", () => {
    expect(
      sumScores(
        [
          { channelId: 'ann', coins: 5 },
          { channelId: 'bob', coins: 7 },
          { channelId: 'ann', coins: 10 },
          { channelId: 'eve', coins: 99 },
          { channelId: 'bob' },
        ],
        'ann',
        'bob',
      ),
    ).toEqual({ inviter: 15, invitee: 7 });
  });
});

describe('the reconnect grace', () => {
  const ann = 'ann';
  const bob = 'bob';
  it('gives a dropped stream the grace from the drop, and counts it back only strictly before the deadline', () => {
    const deadline = reconnectDeadlineMs(ENDS - 60_000, 30);
    expect(deadline).toBe(ENDS - 30_000);
    expect(backInTime(deadline - 1, deadline)).toBe(true);
    expect(backInTime(deadline, deadline)).toBe(false);
  });

  it('forfeits a side still away whose deadline came by the cutoff; a grace running past the buzzer forfeits nothing', () => {
    const away = (until?: number) => [
      { channelId: ann, awayUntilMs: until },
      { channelId: bob, awayUntilMs: null },
    ];
    expect(forfeitingSide(away(ENDS - 1), ENDS)).toBe(ann);
    expect(forfeitingSide(away(ENDS), ENDS)).toBe(ann);
    expect(forfeitingSide(away(ENDS + 1), ENDS)).toBeNull();
    expect(forfeitingSide(away(undefined), ENDS)).toBeNull();
  });

  it('with both sides away past their deadlines the first to drop forfeits; at the same instant nobody does', () => {
    const both = (a: number, b: number) => [
      { channelId: ann, awayUntilMs: a },
      { channelId: bob, awayUntilMs: b },
    ];
    expect(forfeitingSide(both(ENDS - 5, ENDS - 9), ENDS)).toBe(bob);
    expect(forfeitingSide(both(ENDS - 9, ENDS - 5), ENDS)).toBe(ann);
    expect(forfeitingSide(both(ENDS - 9, ENDS - 9), ENDS)).toBeNull();
    expect(forfeitingSide(both(ENDS - 9, ENDS + 5), ENDS)).toBe(ann);
  });

  it('for any deadlines and cutoff: the forfeiter is away, its deadline passed, and none passed earlier', () => {
    const when = fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined });
    fc.assert(
      fc.property(when, when, fc.integer({ min: 0, max: 10_000 }), (a, b, cut) => {
        const got = forfeitingSide(
          [
            { channelId: ann, awayUntilMs: a },
            { channelId: bob, awayUntilMs: b },
          ],
          cut,
        );
        const passed = [a, b].filter((t): t is number => t !== undefined && t <= cut);
        if (!got) {
          expect(passed.length === 0 || (passed.length === 2 && a === b)).toBe(true);
          return;
        }
        const mine = got === ann ? a : b;
        const other = got === ann ? b : a;
        expect(mine).toBeLessThanOrEqual(cut);
        if (other !== undefined && other <= cut) expect(other).toBeGreaterThan(mine as number);
      }),
    );
  });
});

describe('invitations and locks', () => {
  it('durations are 1-10 whole minutes, 5 by default, with a sentence otherwise', () => {
    expect(durationSecondsFor(undefined)).toBe(300);
    expect(durationSecondsFor(null)).toBe(300);
    expect(durationSecondsFor(1)).toBe(60);
    expect(durationSecondsFor(10)).toBe(600);
    for (const bad of [0, 11, 2.5, -1]) {
      expect(durationSecondsFor(bad)).toEqual({
        code: 'VALIDATION',
        field: 'durationMinutes',
        message: 'Choose a battle length of 1 to 10 whole minutes.',
      });
    }
  });

  it('a pending invitation reads EXPIRED from its expiry on, other states as they are', () => {
    const invited = ENDS;
    const expires = invited + INVITATION_TTL_MS;
    expect(effectiveStatus('PENDING', expires, expires - 1)).toBe('PENDING');
    expect(effectiveStatus('PENDING', expires, expires)).toBe('EXPIRED');
    expect(effectiveStatus('RUNNING', expires, expires + 60_000)).toBe('RUNNING');
    expect(effectiveStatus('DECLINED', expires, expires + 1)).toBe('DECLINED');
  });

  it('a streamer is free when their lock lapsed or was released, busy while pending or running', () => {
    expect(isFree(undefined, ENDS)).toBe(true);
    expect(isFree(0, ENDS)).toBe(true);
    expect(isFree(ENDS + INVITATION_TTL_MS, ENDS)).toBe(false);
    expect(isFree(ENDS - 1, ENDS)).toBe(true);
    expect(isFree(BUSY_UNTIL_ENDED, ENDS + 10 * 365 * 24 * 3600_000)).toBe(false);
  });

  it('a running battle is overdue (its schedule lost) only well after endsAt plus the settle time', () => {
    expect(isOverdue(ENDS, ENDS + 1500 + 30_000, 1500)).toBe(false);
    expect(isOverdue(ENDS, ENDS + 1500 + 30_001, 1500)).toBe(true);
  });
});

describe('currentBattle', () => {
  const expires = ENDS;
  it("answers RUNNING to everyone, PENDING to the channel's streamer only, ENDED for 10 s after it ended", () => {
    expect(isCurrentFor({ status: 'RUNNING', expiresAtMs: expires }, false, ENDS + 999_999)).toBe(true);
    expect(isCurrentFor({ status: 'PENDING', expiresAtMs: expires }, true, ENDS - 1)).toBe(true);
    expect(isCurrentFor({ status: 'PENDING', expiresAtMs: expires }, false, ENDS - 1)).toBe(false);
    expect(isCurrentFor({ status: 'PENDING', expiresAtMs: expires }, true, ENDS)).toBe(false);
    expect(
      isCurrentFor({ status: 'ENDED', expiresAtMs: expires, endedAtMs: ENDS }, false, ENDS + RESULT_SHOWN_MS - 1),
    ).toBe(true);
    expect(
      isCurrentFor({ status: 'ENDED', expiresAtMs: expires, endedAtMs: ENDS }, false, ENDS + RESULT_SHOWN_MS),
    ).toBe(false);
    expect(isCurrentFor({ status: 'DECLINED', expiresAtMs: expires }, true, ENDS - 1)).toBe(false);
  });
});

describe('settings', () => {
  it('round-trip through the environment variable, defaults for what is missing or out of range', () => {
    const s = { bonusPercent: 25, scoreShards: 4, settleMs: 800, reconnectGraceSeconds: 45 };
    expect(battleSettingsFrom(battlesEnvironment(s).BATTLES)).toEqual(s);
    expect(battleSettingsFrom(undefined)).toEqual(DEFAULT_BATTLE_SETTINGS);
    expect(DEFAULT_BATTLE_SETTINGS.reconnectGraceSeconds).toBe(30);
    expect(
      battleSettingsFrom(JSON.stringify({ bonusPercent: 300, scoreShards: 0, settleMs: -1, reconnectGraceSeconds: 0 })),
    ).toEqual(DEFAULT_BATTLE_SETTINGS);
    expect(battleSettingsFrom(JSON.stringify({ reconnectGraceSeconds: 301 })).reconnectGraceSeconds).toBe(30);
    expect(battlesEnvironment(s).BATTLES!.length).toBeLessThan(512);
  });
});
