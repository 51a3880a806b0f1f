/**
 * The simulated audience's rules, pure: what the bots say, when and how much they bid (the soft
 * close rounds end), the clock on the test pattern, and the "what to try" list.
 */
import { describe, expect, it } from 'vitest';
import { AUDIENCE, DEMO_STREAMER, PAST_SHOW_STREAMER } from '../../../../local/demo-show/accounts';
import { BIDDING, bidderLimits, nextBid, type AuctionView } from '../../../../local/demo-show/bidding';
import { clockFilter, testPatternArgs } from '../../../../local/demo-show/clock';
import { whatToTry } from '../../../../local/demo-show/guide';
import { chatLine, type ShowMoment } from '../../../../local/demo-show/lines';
import { nextShowStart } from '../../../../local/demo-show/past-show';
import { ShowState } from '../../../../local/demo-show/show';
import type { Product } from '../../../../frontend/src/lib/types';

/** A seeded generator (mulberry32), so a failure repeats. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const moment: ShowMoment = {
  streamer: 'demo',
  auction: {
    title: 'Rookie trading card, graded',
    secondsLeft: 6,
    highBidder: 'ben_bids',
    bidCount: 4,
    extended: true,
  },
  lastSale: { title: 'Vintage denim jacket', buyer: 'cleo_collects' },
  buyNow: { title: 'Canvas tote bag' },
};

describe('chat lines', () => {
  it('vary, fill in the show, and stay short, link-free and calm', () => {
    const rng = seeded(7);
    const recent: string[] = [];
    const lines = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const persona = AUDIENCE[i % AUDIENCE.length]!;
      const line = chatLine(persona, moment, rng, recent);
      recent.push(line);
      if (recent.length > 12) recent.shift();
      lines.add(line);
      expect(line.length).toBeGreaterThan(2);
      expect(line.length).toBeLessThanOrEqual(200);
      expect(line).not.toMatch(/https?:|www\.|\{|\}/);
      // No shouting: never a run of capitals.
      expect(line).not.toMatch(/[A-Z]{5,}/);
    }
    expect(lines.size).toBeGreaterThan(40);
    const all = [...lines].join('\n');
    expect(all).toContain('rookie trading card');
    expect(all).toContain('@cleo_collects');
    expect(all).toMatch(/soft close|extended|added time/);
  });

  it('never repeat one of the recent lines while others are left', () => {
    const rng = seeded(3);
    const recent = Array.from({ length: 12 }, () => chatLine(AUDIENCE[0]!, { streamer: 'demo' }, rng));
    for (let i = 0; i < 50; i++)
      expect(recent).not.toContain(chatLine(AUDIENCE[1]!, { streamer: 'demo' }, rng, recent));
  });

  it('do not congratulate or cheer the speaker themselves', () => {
    const rng = seeded(11);
    const cleo = AUDIENCE.find((p) => p.handle === 'cleo_collects')!;
    const ben = AUDIENCE.find((p) => p.handle === 'ben_bids')!;
    for (let i = 0; i < 200; i++) {
      expect(chatLine(cleo, moment, rng)).not.toContain('@cleo_collects');
      expect(chatLine(ben, moment, rng)).not.toContain('@ben_bids');
    }
  });
});

describe('bidding', () => {
  const now = 1_000_000;
  const base: AuctionView = {
    status: 'AUCTION_OPEN',
    endsAtMs: now + 50_000,
    openedAtMs: now - 5_000,
    minNextBid: 5_000,
    bidCount: 0,
    highBidderId: null,
    increment: 250,
    extensions: 0,
    maxExtensions: 2,
  };
  const bidders = [
    { userId: 'a', maxPrice: 9_000 },
    { userId: 'b', maxPrice: 6_000 },
  ];
  const always = () => 0;

  it('opens with bids and bids hardest in the last seconds', () => {
    const rate = (view: AuctionView) => {
      const rng = seeded(5);
      let bids = 0;
      for (let i = 0; i < 2_000; i++) if (nextBid(view, bidders, now, rng)) bids++;
      return bids / 2_000;
    };
    const opening = rate(base);
    const middle = rate({ ...base, openedAtMs: now - 60_000, bidCount: 7 });
    const last = rate({ ...base, endsAtMs: now + 4_000, bidCount: 7 });
    expect(opening).toBeCloseTo(BIDDING.chance.opening, 1);
    expect(middle).toBeLessThan(0.35);
    expect(last).toBeGreaterThan(opening);
  });

  it('bids at least the minimum, never past the bidder limit, never against themselves', () => {
    const rng = seeded(9);
    for (let i = 0; i < 500; i++) {
      const view = { ...base, endsAtMs: now + 3_000, highBidderId: 'a', minNextBid: 5_000 + (i % 20) * 100 };
      const bid = nextBid(view, bidders, now, rng);
      if (!bid) continue;
      expect(bid.bidder).toBe(1);
      expect(bid.amount).toBeGreaterThanOrEqual(view.minNextBid);
      expect(bid.amount).toBeLessThanOrEqual(6_000);
    }
    expect(nextBid({ ...base, minNextBid: 9_500 }, bidders, now, always)).toBeNull();
  });

  it('lets the lot go after its soft-close rounds, and never bids too late or on a closed lot', () => {
    const late = { ...base, endsAtMs: now + 5_000 };
    expect(nextBid(late, bidders, now, always)).not.toBeNull();
    expect(nextBid({ ...late, extensions: 2 }, bidders, now, always)).toBeNull();
    // Before the last seconds the rounds do not matter: the lot is still open.
    expect(nextBid({ ...base, extensions: 2 }, bidders, now, always)).not.toBeNull();
    expect(nextBid({ ...base, endsAtMs: now + 500 }, bidders, now, always)).toBeNull();
    expect(nextBid({ ...base, status: 'SOLD' }, bidders, now, always)).toBeNull();
  });

  it('gives each bidder a limit between 1.5 and 3.5 times the starting bid', () => {
    const limits = bidderLimits(['a', 'b', 'c'], 2_000, seeded(1));
    for (const l of limits) expect(l.maxPrice).toBeGreaterThanOrEqual(3_000);
    for (const l of limits) expect(l.maxPrice).toBeLessThanOrEqual(7_000);
  });
});

describe('test pattern', () => {
  it('draws the local wall clock to the millisecond, sized to the picture', () => {
    const f = clockFilter(720);
    expect(f).toContain(String.raw`%{localtime\:%H\\\:%M\\\:%S.%3N}`);
    expect(f).toContain('fontsize=45');
    const args = testPatternArgs({ size: '640x360', fps: 16, keyframeSeconds: 0.5, videoKbps: 500, seconds: 16 });
    expect(args).toEqual(
      expect.arrayContaining(['-t', '16', '-g', '8', '-keyint_min', '8', '-b:v', '500k', '-vf', clockFilter(360)]),
    );
    expect(
      testPatternArgs({ size: '1280x720', fps: 30, keyframeSeconds: 0.5, videoKbps: 2500, clock: false }),
    ).not.toContain('-vf');
  });
});

describe('what to try', () => {
  it('names the watch page, the logins, where codes appear, the replay and the OBS server and key', () => {
    const text = whatToTry({
      webUrl: 'http://127.0.0.1:3000/',
      outboxDir: '/x/.local/outbox',
      streamer: DEMO_STREAMER,
      audience: 5,
      pastShowReady: false,
      pastShow: { ...PAST_SHOW_STREAMER, ingestServer: 'rtmp://127.0.0.1:1935/app/', streamKey: 'sk_us-east-1_abc' },
    }).join('\n');
    expect(text).toContain('http://127.0.0.1:3000/u/demo');
    expect(text).toContain(`${DEMO_STREAMER.email} / ${DEMO_STREAMER.password}`);
    expect(text).toContain('/x/.local/outbox/cognito-*.json');
    expect(text).toContain('Recent replays');
    expect(text).toContain('ready within a minute');
    expect(text).toContain('Server rtmp://127.0.0.1:1935/app/, Stream key sk_us-east-1_abc');
    expect(text).toContain('5 simulated viewers');
    const quiet = whatToTry({
      webUrl: 'http://w',
      outboxDir: '/o',
      streamer: DEMO_STREAMER,
      audience: 0,
      pastShowReady: true,
      pastShow: PAST_SHOW_STREAMER,
    }).join('\n');
    expect(quiet).toContain('no simulated viewers');
    expect(quiet).not.toContain('ready within a minute');
    expect(quiet).toContain('use the server and stream key on its stream key card');
  });

  it('schedules the next show for 19:00 the next day', () => {
    const next = nextShowStart(new Date(2026, 11, 3, 1, 30));
    expect([next.getDate(), next.getHours(), next.getMinutes()]).toEqual([4, 19, 0]);
  });
});

describe('what the audience reads of the show', () => {
  const lot = (over: Partial<Product>): Product => ({
    productId: 'prd_1',
    channelId: 'c',
    title: 'Rookie trading card, graded',
    type: 'COLLECTIBLE',
    saleMode: 'AUCTION',
    currency: 'USD',
    startingBid: 5_000,
    bidCount: 0,
    status: 'AUCTION_OPEN',
    featured: true,
    createdAt: '2026-12-03T01:00:00.000Z',
    updatedAt: '2026-12-03T01:00:00.000Z',
    endsAt: new Date(100_000).toISOString(),
    ...over,
  });

  it('counts each move of the end as a soft-close round, and takes the next bid from the product', () => {
    const show = new ShowState({ channelId: 'c', handle: 'demo', playbackUrl: null }, () => 0.99);
    show.update([lot({})], 10_000);
    expect(show.auctionView()).toMatchObject({
      productId: 'prd_1',
      minNextBid: 5_000,
      extensions: 0,
      maxExtensions: 3,
      openedAtMs: 10_000,
    });
    show.update(
      [
        lot({
          bidCount: 1,
          currentPrice: 5_000,
          minNextBid: 5_250,
          highBidderId: 'u1',
          highBidderHandle: 'ben_bids',
          endsAt: new Date(110_000).toISOString(),
        }),
      ],
      95_000,
    );
    show.update(
      [
        lot({
          bidCount: 2,
          currentPrice: 5_250,
          highBidderHandle: 'ava_finds',
          endsAt: new Date(110_000).toISOString(),
        }),
      ],
      96_000,
    );
    const view = show.auctionView();
    expect(view).toMatchObject({ extensions: 1, minNextBid: 5_500, increment: 250, highBidderId: null });
    expect(show.moment(100_000)).toMatchObject({
      streamer: 'demo',
      auction: { extended: true, highBidder: 'ava_finds', bidCount: 2, secondsLeft: 10 },
    });
  });

  it('knows the last sale for a while and the buy-now item on sale', () => {
    const show = new ShowState({ channelId: 'c', handle: 'demo', playbackUrl: null }, () => 0);
    const sale = {
      saleId: 's',
      kind: 'AUCTION' as const,
      productId: 'prd_1',
      productTitle: 'Rookie trading card, graded',
      channelId: 'c',
      buyerId: 'u',
      buyerHandle: 'cleo_collects',
      price: 6_000,
      currency: 'USD',
      soldAt: new Date(50_000).toISOString(),
    };
    show.update(
      [
        lot({ status: 'SOLD', sale }),
        lot({ productId: 'prd_2', title: 'Canvas tote bag', saleMode: 'BUY_NOW', status: 'DRAFT', endsAt: null }),
      ],
      60_000,
    );
    expect(show.auction).toBeUndefined();
    expect(show.moment(60_000)).toEqual({
      streamer: 'demo',
      lastSale: { title: 'Rookie trading card, graded', buyer: 'cleo_collects' },
      buyNow: { title: 'Canvas tote bag' },
    });
    expect(show.moment(200_000).lastSale).toBeUndefined();
  });
});
