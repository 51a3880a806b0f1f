import { describe, expect, it } from 'vitest';
import {
  afterPoll,
  arenaView,
  barShares,
  battleErrorMessage,
  clockLag,
  closedInvitationNotice,
  formatTimeLeft,
  historyRow,
  MIN_BAR_SHARE,
  newerBattle,
  reconnectSentence,
  reconnecting,
  RESULT_SHOW_MS,
  resultSentence,
  secondsUntil,
  sidesOf,
  spokenTimeLeft,
  studioAnswer,
  studioNotice,
  studioView,
} from '../../../frontend/src/features/battles/battles';
import type { Battle } from '../../../frontend/src/lib/types';

const T0 = Date.parse('2026-12-03T01:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

/** A battle between @alice (inviter, u-alice) and @bob (invitee, u-bob), running from T0 for 5 minutes. */
const battle = (o: Partial<Battle> = {}, scores: [number, number] = [0, 0]): Battle => ({
  battleId: 'b-1',
  status: 'RUNNING',
  inviter: {
    channelId: 'u-alice',
    handle: 'alice',
    displayName: 'Alice',
    avatarUrl: null,
    playbackUrl: 'https://x/alice.m3u8',
    score: scores[0],
    reconnectBy: null,
  },
  invitee: {
    channelId: 'u-bob',
    handle: 'bob',
    displayName: null,
    avatarUrl: null,
    playbackUrl: 'https://x/bob.m3u8',
    score: scores[1],
    reconnectBy: null,
  },
  durationSeconds: 300,
  invitedAt: iso(-20_000),
  expiresAt: iso(10_000),
  startsAt: iso(0),
  endsAt: iso(300_000),
  endedAt: null,
  updatedAt: iso(0),
  result: null,
  ...o,
});
const ended = (scores: [number, number], result: Battle['result'], endedAt = iso(300_000)) =>
  battle({ status: 'ENDED', endedAt, result }, scores);

describe('score bar proportions (barShares)', () => {
  it('splits evenly before the first gift', () => {
    expect(barShares(0, 0)).toEqual({ left: 50, right: 50 });
  });

  it('follows the scores, to one decimal, adding up to 100', () => {
    expect(barShares(1240, 980)).toEqual({ left: 55.9, right: 44.1 });
    expect(barShares(1, 3)).toEqual({ left: 25, right: 75 });
    const s = barShares(1, 2);
    expect(s.left + s.right).toBeCloseTo(100, 9);
  });

  it('keeps each side at least MIN_BAR_SHARE so a score of 0 stays readable', () => {
    expect(barShares(0, 500)).toEqual({ left: MIN_BAR_SHARE, right: 100 - MIN_BAR_SHARE });
    expect(barShares(10_000, 1)).toEqual({ left: 100 - MIN_BAR_SHARE, right: MIN_BAR_SHARE });
  });

  it('moves toward the side that gains', () => {
    expect(barShares(100, 100).left).toBeLessThan(barShares(150, 100).left);
  });
});

describe('time left', () => {
  it('rounds up to whole seconds, so 0:01 shows until the end itself', () => {
    expect(formatTimeLeft(iso(300_000), T0)).toBe('5:00');
    expect(formatTimeLeft(iso(300_000), T0 + 1)).toBe('5:00');
    expect(formatTimeLeft(iso(300_000), T0 + 1_000)).toBe('4:59');
    expect(formatTimeLeft(iso(1), T0)).toBe('0:01');
    expect(formatTimeLeft(iso(0), T0)).toBe('0:00');
  });

  it('never goes below zero, and a missing or broken time reads as none left', () => {
    expect(secondsUntil(iso(-5_000), T0)).toBe(0);
    expect(secondsUntil(null, T0)).toBe(0);
    expect(secondsUntil('not a date', T0)).toBe(0);
  });

  it('speaks the countdown for screen readers', () => {
    expect(spokenTimeLeft(iso(299_000), T0)).toBe('4 minutes 59 seconds left');
    expect(spokenTimeLeft(iso(60_000), T0)).toBe('1 minute left');
    expect(spokenTimeLeft(iso(1_000), T0)).toBe('1 second left');
    expect(spokenTimeLeft(iso(0), T0)).toBe('0 seconds left');
  });
});

describe("the server's clock (clockLag)", () => {
  it('learns a browser clock that runs behind: the largest lower bound so far', () => {
    let lag = clockLag(0, iso(10_000), T0 + 4_000);
    expect(lag).toBe(6_000);
    lag = clockLag(lag, iso(20_000), T0 + 13_500);
    expect(lag).toBe(6_500);
    expect(clockLag(lag, iso(21_000), T0 + 17_000)).toBe(6_500);
  });

  it('an old stamp (a copy pushed late) or a clock ahead never moves a countdown early', () => {
    expect(clockLag(0, iso(-60_000), T0)).toBe(0);
    expect(clockLag(1_200, iso(-60_000), T0)).toBe(1_200);
    expect(clockLag(250, null, T0)).toBe(250);
    expect(clockLag(0, 'never', T0)).toBe(0);
  });

  it('makes a countdown end with the server on a device 90 s slow', () => {
    const lag = clockLag(0, iso(0), T0 - 90_000);
    expect(formatTimeLeft(iso(300_000), T0 - 90_000 + lag)).toBe('5:00');
  });
});

describe('result sentence', () => {
  it('names the winner with their score first, grouped', () => {
    expect(
      resultSentence(
        ended([1240, 980], { outcome: 'WIN', winnerChannelId: 'u-alice', forfeitChannelId: null, bonusCoins: 98 }),
      ),
    ).toBe('@alice wins 1,240 – 980');
    expect(
      resultSentence(
        ended([980, 1240], { outcome: 'WIN', winnerChannelId: 'u-bob', forfeitChannelId: null, bonusCoins: 98 }),
      ),
    ).toBe('@bob wins 1,240 – 980');
  });

  it('says Draw on a tie', () => {
    expect(
      resultSentence(
        ended([500, 500], { outcome: 'DRAW', winnerChannelId: null, forfeitChannelId: null, bonusCoins: 0 }),
      ),
    ).toBe('Draw');
  });

  it('says why on a forfeit, even when the winner had fewer coins', () => {
    expect(
      resultSentence(
        ended([120, 980], { outcome: 'WIN', winnerChannelId: 'u-alice', forfeitChannelId: 'u-bob', bonusCoins: 0 }),
      ),
    ).toBe("@alice wins 120 – 980: @bob's stream ended");
  });

  it('decides by the scores when the payload carries no result', () => {
    expect(resultSentence(ended([3, 7], null))).toBe('@bob wins 7 – 3');
    expect(resultSentence(ended([7, 7], null))).toBe('Draw');
  });
});

describe('sides from a channel', () => {
  it("puts the page's channel first, whichever side it is", () => {
    const b = battle({}, [1, 2]);
    expect(sidesOf(b, 'u-bob')).toMatchObject({ own: { handle: 'bob' }, opponent: { handle: 'alice' } });
    expect(sidesOf(b, 'u-alice')).toMatchObject({ own: { handle: 'alice' }, opponent: { handle: 'bob' } });
  });
});

describe('pushes in any order (newerBattle)', () => {
  it('keeps the higher score of each side while running (scores only grow)', () => {
    const shown = battle({}, [50, 40]);
    const late = battle({}, [30, 45]);
    expect(newerBattle(shown, late)).toMatchObject({ inviter: { score: 50 }, invitee: { score: 45 } });
  });

  it('never moves a battle back: an end stays an end, a start replaces the invitation', () => {
    const end = ended([10, 5], { outcome: 'WIN', winnerChannelId: 'u-alice', forfeitChannelId: null, bonusCoins: 0 });
    expect(newerBattle(end, battle({}, [99, 99]))).toBe(end);
    const pending = battle({ status: 'PENDING', startsAt: null, endsAt: null });
    expect(newerBattle(pending, battle())?.status).toBe('RUNNING');
    expect(newerBattle(battle(), pending)?.status).toBe('RUNNING');
    expect(newerBattle(end, ended([11, 5], null))).toBe(end);
  });

  it('a newer battle replaces an older one; an older one does not displace a running battle', () => {
    const old = ended([1, 2], null);
    const fresh = battle({ battleId: 'b-2', invitedAt: iso(400_000) });
    expect(newerBattle(old, fresh)).toBe(fresh);
    expect(newerBattle(fresh, battle({ battleId: 'b-0', status: 'PENDING', invitedAt: iso(-900_000) }))).toBe(fresh);
  });

  it('drops a copy stamped older than the one shown, arriving after it', () => {
    // Gift at +5 s (alice 10), gift at +6 s (bob 5): the +6 s copy arrived first.
    const newer = battle({ updatedAt: iso(6_000) }, [10, 5]);
    const older = battle({ updatedAt: iso(5_000) }, [10, 0]);
    expect(newerBattle(newer, older)).toBe(newer);
    expect(newerBattle(older, newer)).toMatchObject({ updatedAt: iso(6_000), invitee: { score: 5 } });
  });

  it('a late copy from before a drop does not take back the reconnect notice, nor one from before the return bring it back', () => {
    const drop = iso(30_000);
    const before = battle({ updatedAt: iso(20_000) }, [3, 4]);
    const away = battle(
      { updatedAt: drop, invitee: { ...battle().invitee, score: 4, reconnectBy: iso(60_000) } },
      [3, 4],
    );
    expect(newerBattle(away, before)?.invitee.reconnectBy).toBe(iso(60_000));
    const back = battle({ updatedAt: iso(41_000) }, [3, 4]);
    expect(newerBattle(back, away)?.invitee.reconnectBy).toBeNull();
    expect(newerBattle(away, back)?.invitee.reconnectBy).toBeNull();
  });

  it('copies stamped alike (two reads after one gift) keep the higher score of each side', () => {
    const a = battle({ updatedAt: iso(7_000) }, [10, 5]);
    const b = battle({ updatedAt: iso(7_000) }, [12, 5]);
    expect(newerBattle(b, a)).toMatchObject({ inviter: { score: 12 } });
    expect(newerBattle(a, b)).toMatchObject({ inviter: { score: 12 } });
  });

  it('an empty push changes nothing', () => {
    const b = battle();
    expect(newerBattle(b, null)).toBe(b);
    expect(newerBattle(null, b)).toBe(b);
  });
});

describe('a side waiting to reconnect', () => {
  const away = battle({ invitee: { ...battle().invitee, reconnectBy: iso(60_000) } });
  it('lists the sides whose stream is down while it runs, with the seconds left', () => {
    expect(reconnecting(away, T0 + 36_500)).toEqual([{ channelId: 'u-bob', handle: 'bob', secondsLeft: 24 }]);
    expect(reconnecting(battle(), T0)).toEqual([]);
    expect(reconnecting({ ...away, status: 'ENDED' }, T0)).toEqual([]);
  });

  it('tells viewers who is awaited and for how long, and the streamer whose stream dropped what to do', () => {
    const [r] = reconnecting(away, T0 + 36_500);
    expect(reconnectSentence(r!)).toBe('Waiting for @bob to reconnect: 0:24');
    expect(reconnectSentence(r!, 'u-alice')).toBe('Waiting for @bob to reconnect: 0:24');
    expect(reconnectSentence(r!, 'u-bob')).toBe(
      'Your stream dropped: go live again within 0:24 or you lose the battle.',
    );
    const [late] = reconnecting(away, T0 + 61_000);
    expect(reconnectSentence(late!)).toBe('@bob did not reconnect in time.');
  });
});

describe('poll answers (afterPoll)', () => {
  it('an empty answer ends a battle the page missed the end of', () => {
    expect(afterPoll(battle(), null, T0 + 60_000)).toBeNull();
  });

  it('an empty answer asked before a battle began does not drop it', () => {
    expect(afterPoll(battle({ startsAt: iso(0) }), null, T0 - 500)).not.toBeNull();
  });

  it('an ended battle stays for its result; a declined invitation goes', () => {
    const end = ended([1, 0], null);
    expect(afterPoll(end, null, T0 + 301_000)).toBe(end);
    expect(afterPoll(battle({ status: 'DECLINED' }), null, T0)).toBeNull();
  });
});

describe('what the watch page shows (arenaView)', () => {
  it('the split screen while running, nothing of an invitation', () => {
    expect(arenaView(battle(), T0).kind).toBe('battle');
    expect(arenaView(battle({ status: 'PENDING' }), T0).kind).toBe('single');
    expect(arenaView(null, T0).kind).toBe('single');
  });

  it('the result for 10 s after the end, then the single stream again', () => {
    const end = ended([1, 0], null, iso(300_000));
    expect(RESULT_SHOW_MS).toBe(10_000);
    expect(arenaView(end, T0 + 300_000 + RESULT_SHOW_MS - 1)).toMatchObject({ kind: 'result', until: T0 + 310_000 });
    expect(arenaView(end, T0 + 300_000 + RESULT_SHOW_MS).kind).toBe('single');
    expect(arenaView(battle({ status: 'CANCELLED' }), T0).kind).toBe('single');
  });
});

describe('the control room panel (studioView, notices)', () => {
  const pending = battle({
    status: 'PENDING',
    startsAt: null,
    endsAt: null,
    invitedAt: iso(0),
    expiresAt: iso(30_000),
  });

  it('an invitation is outgoing for the inviter and incoming for the invitee, until it expires', () => {
    expect(studioView(pending, 'u-alice', T0).kind).toBe('outgoing');
    expect(studioView(pending, 'u-bob', T0).kind).toBe('incoming');
    expect(studioView(pending, 'u-bob', T0 + 29_999).kind).toBe('incoming');
    expect(studioView(pending, 'u-bob', T0 + 30_000).kind).toBe('idle');
  });

  it('a running battle, its result for 10 s, then idle', () => {
    expect(studioView(battle(), 'u-bob', T0).kind).toBe('running');
    const end = ended([1, 0], null);
    expect(studioView(end, 'u-bob', T0 + 305_000).kind).toBe('result');
    expect(studioView(end, 'u-bob', T0 + 310_000).kind).toBe('idle');
  });

  it('tells each streamer how an invitation closed', () => {
    expect(closedInvitationNotice({ ...pending, status: 'DECLINED' }, 'u-alice')).toBe(
      '@bob declined your invitation.',
    );
    expect(closedInvitationNotice({ ...pending, status: 'DECLINED' }, 'u-bob')).toBe(
      "You declined @alice's invitation.",
    );
    expect(closedInvitationNotice({ ...pending, status: 'EXPIRED' }, 'u-alice')).toBe(
      "@bob didn't answer within 30 seconds.",
    );
    expect(closedInvitationNotice({ ...pending, status: 'CANCELLED' }, 'u-bob')).toBe(
      '@alice cancelled the invitation.',
    );
    expect(closedInvitationNotice(battle(), 'u-bob')).toBeNull();
  });

  it('says an invitation expired as soon as the countdown ends, before the server does', () => {
    expect(studioNotice(pending, 'u-alice', T0 + 29_000)).toBeNull();
    expect(studioNotice(pending, 'u-alice', T0 + 30_000)).toBe("@bob didn't answer within 30 seconds.");
  });

  it('a poll answer: the running battle, else the newest invitation', () => {
    const older = { ...pending, battleId: 'b-old', invitedAt: iso(-5_000) };
    expect(studioAnswer(null, [older, pending])).toBe(pending);
    const running = battle({ battleId: 'b-run' });
    expect(studioAnswer(running, [pending])).toBe(running);
    expect(studioAnswer(null, [])).toBeNull();
  });
});

describe('battle history rows', () => {
  it("reads a battle from the profile's channel: opponent, own score first, outcome", () => {
    const b = ended([1240, 980], {
      outcome: 'WIN',
      winnerChannelId: 'u-alice',
      forfeitChannelId: null,
      bonusCoins: 98,
    });
    expect(historyRow(b, 'u-alice')).toEqual({
      battleId: 'b-1',
      opponent: 'bob',
      own: 1240,
      theirs: 980,
      outcome: 'Won',
      note: null,
      endedAt: iso(300_000),
    });
    expect(historyRow(b, 'u-bob')).toMatchObject({ opponent: 'alice', own: 980, theirs: 1240, outcome: 'Lost' });
  });

  it('draws and forfeits', () => {
    expect(
      historyRow(
        ended([5, 5], { outcome: 'DRAW', winnerChannelId: null, forfeitChannelId: null, bonusCoins: 0 }),
        'u-bob',
      ).outcome,
    ).toBe('Draw');
    expect(
      historyRow(
        ended([0, 9], { outcome: 'WIN', winnerChannelId: 'u-alice', forfeitChannelId: 'u-bob', bonusCoins: 0 }),
        'u-bob',
      ),
    ).toMatchObject({ outcome: 'Lost', note: "@bob's stream ended" });
  });
});

describe('battle error sentences', () => {
  it("passes the server's sentences through and words the client's own failures", () => {
    expect(battleErrorMessage({ errorType: 'CONFLICT', message: '@bob is already in a battle or invitation.' })).toBe(
      '@bob is already in a battle or invitation.',
    );
    expect(battleErrorMessage({ message: 'Network error: check your connection' })).toBe(
      'We could not reach the server. Check your connection and try again.',
    );
    expect(battleErrorMessage({ errorType: 'SignInRequired', message: 'Sign in to do that' })).toBe(
      'Log in to do that.',
    );
  });
});
