/**
 * Property tests of the pure domain rules (lambdas/shared/domain): the increment ladder, bid
 * checks, soft close and close outcome, ids, money, slow mode and timeouts, chat settings and
 * content review, paging. Seeded and bounded (test/support/fast-check.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INCREMENT_LADDER,
  checkBid,
  closeOutcome,
  incrementFor,
  minNextBid,
  softCloseEndMs,
} from '../../../lambdas/shared/domain/auctions';
import {
  CHAT_LIMITS,
  blockedWordsPattern,
  effectiveCooldownSeconds,
  reviewContent,
  reviewMember,
  validateSettings,
  validateTimeoutSeconds,
  type ChatSettings,
} from '../../../lambdas/shared/domain/chat';
import { clampLimit, decodeToken, encodeToken } from '../../../lambdas/shared/domain/follows';
import { handleSchema } from '../../../lambdas/shared/domain/handles';
import { CROCKFORD_ALPHABET, ID_KINDS, idFromUuid, isId, newId, type IdKind } from '../../../lambdas/shared/domain/ids';
import {
  CURRENCIES,
  formatMoney,
  isMinorUnits,
  isSupportedCurrency,
  minStartingBid,
  toDecimalString,
} from '../../../lambdas/shared/domain/money';
import { toUtcIso } from '../../../lambdas/shared/domain/schedule';
import { DomainError } from '../../../lambdas/shared/errors';
import { parseMoney } from '../../../frontend/src/lib/format';
import { useSeededProperties } from '../../support/fast-check';
import { handleKey } from '../../../lambdas/shared/domain/keys';

useSeededProperties();

const price = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 10_000 });
const smallPrice = fc.integer({ min: 0, max: 2_000_000 });
const fixedIncrement = fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null });
/** Keys a user can type that name Object.prototype members. */
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

describe('increment ladder', () => {
  it("the increment is positive, the band's, and never shrinks as the price rises", () => {
    fc.assert(
      fc.property(price, price, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(incrementFor(lo)).toBeGreaterThan(0);
        expect(incrementFor(lo)).toBeLessThanOrEqual(incrementFor(hi));
        const band = INCREMENT_LADDER.find((x) => lo < x.below);
        expect(incrementFor(lo)).toBe(band?.increment ?? 2_500);
      }),
    );
  });

  it('a fixed increment wins over the ladder', () => {
    fc.assert(
      fc.property(price, fc.integer({ min: 1, max: 1_000_000 }), (p, fixed) => {
        expect(incrementFor(p, fixed)).toBe(fixed);
      }),
    );
  });

  it('the next bid is the starting bid before any bid, then the price plus its increment', () => {
    fc.assert(
      fc.property(smallPrice, smallPrice, fc.nat(1000), fixedIncrement, (startingBid, current, bidCount, fixed) => {
        const next = minNextBid({ startingBid, currentPrice: current, bidCount, bidIncrement: fixed });
        expect(next).toBe(bidCount ? current + incrementFor(current, fixed) : startingBid);
        if (bidCount) expect(next).toBeGreaterThan(current);
      }),
    );
  });

  it("checkBid accepts exactly an open auction's bid from a buyer who is not banned, at or above the minimum", () => {
    const auction = fc.record({
      status: fc.constantFrom('AUCTION_OPEN', 'DRAFT', 'SOLD', 'UNSOLD'),
      sellerId: fc.constantFrom('s', 'b'),
      startingBid: fc.integer({ min: 100, max: 100_000 }),
      bidIncrement: fixedIncrement,
      currentPrice: fc.option(smallPrice, { nil: null }),
      bidCount: fc.nat(50),
      endsAtMs: fc.option(fc.integer({ min: 0, max: 2_000 }), { nil: null }),
    });
    fc.assert(
      fc.property(
        auction,
        fc.integer({ min: 0, max: 3_000_000 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2_000 }),
        (a, amount, banned, now) => {
          const refusal = checkBid(a, { bidderId: 'b', amount, banned }, now);
          const open = a.status === 'AUCTION_OPEN' && !!a.endsAtMs && a.endsAtMs > now;
          const ok = open && a.sellerId !== 'b' && !banned && amount >= minNextBid(a);
          expect(refusal === null).toBe(ok);
          if (refusal?.code === 'BID_TOO_LOW') expect(refusal.minimum).toBe(minNextBid(a));
          if (refusal) expect(refusal.message).toMatch(/^[A-Z]/);
        },
      ),
    );
  });

  it('soft close: a bid inside the window moves the end to now + window, outside it leaves the end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000_000, max: 2_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
        (endMs, before, window) => {
          const now = endMs - before;
          const end = softCloseEndMs(endMs, now, window);
          expect(end).toBeGreaterThanOrEqual(endMs);
          if (window && now > endMs - window * 1000) expect(end).toBe(now + window * 1000);
          else expect(end).toBe(endMs);
        },
      ),
    );
  });

  it('close outcome: a sale to the high bidder at the current price exactly when there were bids', () => {
    fc.assert(
      fc.property(
        fc.nat(5),
        fc.option(fc.string({ minLength: 1 }), { nil: null }),
        fc.option(smallPrice, { nil: null }),
        (bidCount, highBidderId, currentPrice) => {
          const out = closeOutcome({ bidCount, highBidderId, currentPrice });
          if (bidCount > 0 && highBidderId && currentPrice !== null)
            expect(out).toEqual({ outcome: 'SOLD', buyerId: highBidderId, price: currentPrice });
          else expect(out).toEqual({ outcome: 'NO_SALE' });
        },
      ),
    );
  });
});

describe('ids', () => {
  const kind = fc.constantFrom(...(Object.keys(ID_KINDS) as IdKind[]));
  const uuid = fc.uuid({ version: 4 });

  it('newId and idFromUuid give the fixed-length Crockford format of their kind', () => {
    fc.assert(
      fc.property(kind, uuid, (k, u) => {
        expect(isId(k, newId(k))).toBe(true);
        expect(isId(k, idFromUuid(ID_KINDS[k], u))).toBe(true);
      }),
    );
  });

  it("idFromUuid keeps the uuid's 100 random bits: different random bits, different ids", () => {
    fc.assert(
      fc.property(uuid, fc.integer({ min: 0, max: 31 }), fc.integer({ min: 1, max: 15 }), (u, at, delta) => {
        const hex = u.split('-').join('');
        // Positions 12 and 16 are the version and variant nibbles; the id keeps the first 25 random ones.
        const random = [...Array(32).keys()].filter((i) => i !== 12 && i !== 16).slice(0, 25);
        const i = random[at % random.length]!;
        const flipped = hex.slice(0, i) + ((parseInt(hex[i]!, 16) + delta) % 16).toString(16) + hex.slice(i + 1);
        const back = `${flipped.slice(0, 8)}-${flipped.slice(8, 12)}-${flipped.slice(12, 16)}-${flipped.slice(16, 20)}-${flipped.slice(20)}`;
        expect(idFromUuid('prd', back)).not.toBe(idFromUuid('prd', u));
      }),
    );
  });

  it('isId refuses another kind, another length and letters outside the alphabet', () => {
    fc.assert(
      fc.property(kind, fc.string({ maxLength: 30 }), (k, s) => {
        const id = `${ID_KINDS[k]}_${s}`;
        const valid = s.length === 20 && [...s].every((c) => CROCKFORD_ALPHABET.includes(c));
        expect(isId(k, id)).toBe(valid);
      }),
    );
  });
});

describe('money', () => {
  const currency = fc.constantFrom(...Object.keys(CURRENCIES));
  const exponent = (c: string) => CURRENCIES[c]!.exponent;

  it('toDecimalString is exact for every safe amount and parses back to the same minor units', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), currency, (amount, c) => {
        const text = toDecimalString({ amount, currency: c });
        const e = exponent(c);
        const digits = String(amount).padStart(e + 1, '0');
        expect(text).toBe(e ? `${digits.slice(0, -e)}.${digits.slice(-e)}` : digits);
        expect(parseMoney(text, c)).toBe(amount);
      }),
    );
  });

  it("formatMoney's text parses back to the same minor units (grouping and symbol included)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 13 }), currency, (amount, c) => {
        expect(parseMoney(formatMoney({ amount, currency: c }), c)).toBe(amount);
      }),
    );
  });

  it('parseMoney answers a safe whole number of minor units or null, never NaN, a fraction or a negative', () => {
    const typed = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[0-9.,$€ -]{0,24}$/),
      fc.constantFrom('1e3', '-5', 'NaN', 'Infinity', '0x10', '1.2.3', '9'.repeat(30), '١٢٣'),
    );
    fc.assert(
      fc.property(typed, currency, (text, c) => {
        const out = parseMoney(text, c);
        if (out !== null) expect(isMinorUnits(out)).toBe(true);
      }),
    );
  });

  it('regressions the properties found: exact decimals near 2^53, grouped text, amounts past the safe integers', () => {
    expect(toDecimalString({ amount: 7_824_758_536_867_807, currency: 'USD' })).toBe('78247585368678.07');
    expect(toDecimalString({ amount: 5, currency: 'EUR' })).toBe('0.05');
    expect(parseMoney('$1,000.00', 'USD')).toBe(100_000);
    expect(parseMoney('¥1,234', 'JPY')).toBe(1234);
    expect(parseMoney('1.234,56', 'EUR')).toBe(123_456);
    expect(parseMoney('12,50', 'EUR')).toBe(1250);
    expect(parseMoney('12.345', 'USD')).toBeNull();
    expect(parseMoney('12,34,5', 'USD')).toBeNull();
    expect(parseMoney('9'.repeat(30), 'USD')).toBeNull();
  });

  it("only the table's own currencies are supported, never a prototype key", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...PROTO_KEYS)), (c) => {
        expect(isSupportedCurrency(c)).toBe(Object.hasOwn(CURRENCIES, c));
        expect(minStartingBid(c)).toBe(Object.hasOwn(CURRENCIES, c) ? CURRENCIES[c]!.minStartingBid : null);
      }),
    );
  });

  it('isMinorUnits accepts exactly the non-negative safe integers', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double(),
          fc.integer({ min: -(2 ** 60), max: 2 ** 60 }).map(Number),
          fc.constantFrom(NaN, Infinity, -0, 2 ** 53),
        ),
        (n) => {
          expect(isMinorUnits(n)).toBe(Number.isSafeInteger(n) && n >= 0);
        },
      ),
    );
  });
});

describe('slow mode and timeouts', () => {
  const settings = (over: Partial<ChatSettings> = {}): ChatSettings => ({
    channelId: 'c',
    slowModeSeconds: 0,
    blockedWords: [],
    blockedWordsAction: 'MASK',
    maxMessageLength: 500,
    ...over,
  });
  const t0 = Date.parse('2026-12-02T12:00:00.000Z');

  it('slow mode denies exactly until the cooldown has passed since the last message, and says how long', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: CHAT_LIMITS.maxSlowModeSeconds }),
        fc.integer({ min: -10_000, max: 400_000 }),
        (cooldown, sinceMs) => {
          const now = new Date(t0 + sinceMs);
          const out = reviewMember({ lastMessageAt: new Date(t0).toISOString() }, now, cooldown);
          const waiting = cooldown > 0 && t0 + cooldown * 1000 > now.getTime();
          expect(out?.result === 'DENY').toBe(waiting);
          if (out?.result === 'DENY') {
            expect(out.code).toBe('SLOW_MODE');
            expect(out.retryAfterSeconds).toBeGreaterThan(0);
            expect(out.retryAfterSeconds).toBe(Math.ceil((t0 + cooldown * 1000 - now.getTime()) / 1000));
          }
        },
      ),
    );
  });

  it('a ban wins over a timeout, a timeout over slow mode; a timeout ends exactly at its end', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: -100_000, max: 100_000 }),
        fc.integer({ min: 0, max: 300 }),
        (banned, untilMs, cooldown) => {
          const now = new Date(t0);
          const member = {
            bannedAt: banned ? new Date(t0 - 1).toISOString() : undefined,
            timeoutUntil: new Date(t0 + untilMs).toISOString(),
            lastMessageAt: new Date(t0 - 1000).toISOString(),
          };
          const out = reviewMember(member, now, cooldown);
          if (banned) expect(out).toMatchObject({ code: 'BANNED' });
          else if (untilMs > 0)
            expect(out).toMatchObject({ code: 'TIMED_OUT', retryAfterSeconds: Math.ceil(untilMs / 1000) });
          else expect(out?.result === 'DENY' && out.code === 'SLOW_MODE').toBe(cooldown > 1);
        },
      ),
    );
  });

  it("the effective cooldown is the streamer's, or the automatic one above its threshold, whichever is longer", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: null }),
        fc.option(fc.integer({ min: 1, max: 300 }), { nil: null }),
        fc.nat(20_000),
        fc.nat(20_000),
        (slow, threshold, auto, v1, v2) => {
          const s = settings({
            slowModeSeconds: slow,
            autoSlowModeViewerThreshold: threshold,
            autoSlowModeSeconds: auto,
          });
          const [lo, hi] = v1 <= v2 ? [v1, v2] : [v2, v1];
          expect(effectiveCooldownSeconds(s, lo)).toBeGreaterThanOrEqual(slow);
          expect(effectiveCooldownSeconds(s, lo)).toBeLessThanOrEqual(effectiveCooldownSeconds(s, hi));
          expect(effectiveCooldownSeconds(s, hi)).toBe(
            threshold !== null && auto !== null && hi >= threshold ? Math.max(slow, auto) : slow,
          );
        },
      ),
    );
  });

  it('settings and timeouts accept whole numbers in range and refuse anything else with a VALIDATION error naming the field', () => {
    const n = fc.oneof(
      fc.integer({ min: -1_000, max: 1_000_000 }),
      fc.double(),
      fc.constantFrom(NaN, Infinity, -Infinity, 0.5, 2 ** 53),
    );
    fc.assert(
      fc.property(n, n, (slow, seconds) => {
        const slowOk = Number.isInteger(slow) && slow >= 0 && slow <= CHAT_LIMITS.maxSlowModeSeconds;
        const run = () => validateSettings({ slowModeSeconds: slow });
        if (slowOk) expect(run()).toEqual({ slowModeSeconds: slow });
        else
          expect(run).toThrow(expect.objectContaining({ code: 'VALIDATION', details: { field: 'slowModeSeconds' } }));
        const timeoutOk = Number.isInteger(seconds) && seconds >= 1 && seconds <= CHAT_LIMITS.maxTimeoutSeconds;
        if (timeoutOk) expect(() => validateTimeoutSeconds(seconds)).not.toThrow();
        else expect(() => validateTimeoutSeconds(seconds)).toThrow(DomainError);
      }),
    );
  });
});

describe('chat content and blocked words', () => {
  const word = fc.oneof(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.constantFrom('a.b', '(x', 'c++', '[z]', '$^', '\\', ...PROTO_KEYS),
  );

  it('blocked words of any text compile, and normalized settings keep at most the limits', () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 30 }), (words) => {
        expect(() => blockedWordsPattern(words)).not.toThrow();
        const out = validateSettings({ blockedWords: words });
        for (const w of out.blockedWords ?? []) {
          expect(w).toBe(w.trim().toLowerCase());
          expect(w.length).toBeGreaterThan(0);
        }
        expect(new Set(out.blockedWords).size).toBe(out.blockedWords?.length);
      }),
    );
  });

  it('a masked message keeps its length and no blocked word survives; a denied one says why', () => {
    const s = (action: 'MASK' | 'DENY') =>
      ({
        channelId: 'c',
        slowModeSeconds: 0,
        blockedWords: [],
        blockedWordsAction: action,
        maxMessageLength: 500,
      }) as ChatSettings;
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z]{2,6}$/), { minLength: 1, maxLength: 5 }),
        fc.string({ maxLength: 600 }),
        fc.constantFrom('MASK' as const, 'DENY' as const),
        (words, text, action) => {
          const pattern = blockedWordsPattern(words);
          const out = reviewContent(text, s(action), pattern);
          if (out.result === 'ALLOW') {
            expect([...out.content].length).toBe([...text.trim()].length);
            expect([...out.content].length).toBeLessThanOrEqual(500);
            pattern!.lastIndex = 0;
            expect(pattern!.test(out.content)).toBe(false);
          } else {
            expect(out.reason).toMatch(/^[A-Z].*\.$/);
          }
        },
      ),
    );
  });
});

describe('paging, handles, schedule times', () => {
  it('clampLimit answers a whole page size from 1 to the maximum for any number', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.integer(), fc.constantFrom(null, undefined, NaN, -Infinity, Infinity)),
        (limit) => {
          const out = clampLimit(limit as number | null | undefined);
          expect(Number.isInteger(out)).toBe(true);
          expect(out).toBeGreaterThanOrEqual(1);
          expect(out).toBeLessThanOrEqual(100);
        },
      ),
    );
  });

  it('paging tokens round-trip a key and a garbage token decodes to nothing, never throws', () => {
    const key = fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer()), { maxKeys: 4 });
    fc.assert(
      fc.property(key, fc.string(), (k, garbage) => {
        expect(decodeToken(encodeToken(k))).toEqual(k);
        const out = decodeToken(garbage);
        expect(out === undefined || typeof out === 'object').toBe(true);
      }),
    );
  });

  it("a handle's claim key is case-insensitive, and a valid handle is 3 to 30 plain characters", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (h) => {
        expect(handleKey(h).PK).toBe(handleKey(h.toLowerCase()).PK);
        const ok = handleSchema.safeParse(h);
        if (ok.success) {
          expect(ok.data).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.]{1,28}[A-Za-z0-9_]$/);
          expect(handleKey(ok.data.toUpperCase()).PK).toBe(handleKey(ok.data).PK);
        }
      }),
    );
  });

  it('toUtcIso normalizes any offset to the same instant, idempotently', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -12, max: 14 }),
        (d, h) => {
          const local = new Date(d.getTime() + h * 3_600_000)
            .toISOString()
            .replace('Z', `${h < 0 ? '-' : '+'}${String(Math.abs(h)).padStart(2, '0')}:00`);
          const utc = toUtcIso(local);
          expect(Date.parse(utc)).toBe(d.getTime());
          expect(toUtcIso(utc)).toBe(utc);
        },
      ),
    );
  });
});
