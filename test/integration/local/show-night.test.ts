/**
 * A small slice of the show-night load test (test/bench/show-night): the local mode in its own
 * process, ffmpeg live over RTMP, 20 HLS viewers, 20 chat connections (10 chatting every 2 s),
 * 20 bidders in the last 10 s of an auction, a buy-now race and likes. Nothing may be lost: every
 * bid answered and every accepted bid in the history, every chat message at every connected client,
 * every like counted, exactly one buy-now sale.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIZES, runShowNight, type ShowNightResult } from '../../bench/show-night/show';

describe('show night, small slice', () => {
  it('loses no bid, chat message or like, and sells the buy-now item once', async () => {
    const r: ShowNightResult = await runShowNight({
      ...DEFAULT_SIZES,
      viewers: 20,
      chatConnections: 20,
      chatters: 10,
      bidders: 20,
      bidsPerBidder: 2,
      buyNowRacers: 10,
      likes: 60,
      showSeconds: 40,
      video: { size: '640x360', bitrate: '600k' },
    });
    expect(r.bids.unansweredReasons).toEqual([]);
    expect(r.bids).toMatchObject({
      lost: 0,
      missingFromHistory: 0,
      unexpectedInHistory: 0,
      bidCountMatches: true,
      priceMatches: true,
      closedToHighest: true,
    });
    expect(r.bids.sent).toBe(40);
    expect(r.bids.accepted).toBeGreaterThan(0);
    expect(r.chat).toMatchObject({ lost: 0, unanswered: 0, connected: 20, tokenFailures: 0 });
    expect(r.chat.refused).toEqual({});
    expect(r.chat.delivered).toBe(r.chat.expectedDeliveries);
    expect(r.chat.expectedDeliveries).toBeGreaterThan(0);
    // A like answered late (no answer in 15 s on a loaded machine) may still have been counted.
    expect(r.likes.lost).toBe(0);
    expect(r.likes.counted).toBeGreaterThanOrEqual(r.likes.accepted);
    expect(r.likes.counted).toBeLessThanOrEqual(r.likes.accepted + r.likes.unanswered);
    expect(r.likes.accepted + r.likes.unanswered).toBe(60);
    expect(r.buyNow).toMatchObject({ sold: 1, unanswered: 0, salesRecorded: 1 });
    expect(r.viewers.segmentFetches).toBeGreaterThan(0);
    expect(r.viewers.reportedMax).toBe(20);
  }, 600_000);
});
