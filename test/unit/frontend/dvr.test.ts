import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dvrBehind,
  dvrLag,
  dvrNeedsReload,
  dvrPlaylistUrl,
  dvrReach,
  dvrSeek,
  firstVariant,
  formatBehind,
  readDvrView,
  type DvrView,
} from '../../../frontend/src/features/watch/watch';

const T0 = Date.parse('2026-12-02T17:00:00.000Z');

describe('DVR', () => {
  it("derives the recording's DVR playlist from the live thumbnail URL, and none without a recording", () => {
    const base = 'https://d1.cloudfront.net/ivs/v1/123/ch/2026/12/2/15/40/rec1';
    expect(dvrPlaylistUrl(`${base}/media/latest_thumbnail/thumb.jpg`)).toBe(`${base}/media/hls/dvr.m3u8`);
    expect(dvrPlaylistUrl(`${base}/media/latest_thumbnail/thumb.jpg?v=3`)).toBe(`${base}/media/hls/dvr.m3u8`);
    expect(dvrPlaylistUrl(null)).toBeNull();
    expect(dvrPlaylistUrl(undefined)).toBeNull();
    expect(dvrPlaylistUrl('https://x/avatar.jpg')).toBeNull();
    expect(dvrPlaylistUrl('javascript:x/media/latest_thumbnail/thumb.jpg')).toBeNull();
  });

  it('dates a view from its PROGRAM-DATE-TIME', () => {
    const playlist =
      '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-PROGRAM-DATE-TIME:2026-12-02T17:00:00.000Z\n#EXTINF:6.0,\n0.ts\n#EXTINF:6.0,\n1.ts\n#EXT-X-ENDLIST\n';
    expect(readDvrView(playlist, T0 + 20_000)).toEqual({ startAt: T0, durationSeconds: 12 });
  });

  it('without a date, or with one the device clock cannot have seen (skew), takes the end as one target duration old', () => {
    const undated = '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\n0.ts\n#EXTINF:6.0,\n1.ts\n#EXT-X-ENDLIST\n';
    expect(readDvrView(undated, T0)).toEqual({ startAt: T0 - 18_000, durationSeconds: 12 });
    const future = undated.replace(
      '#EXTINF:6.0,\n0.ts',
      '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T18:00:00.000Z\n#EXTINF:6.0,\n0.ts',
    );
    expect(readDvrView(future, T0)).toEqual({ startAt: T0 - 18_000, durationSeconds: 12 });
    expect(readDvrView('#EXTM3U\n#EXT-X-ENDLIST\n', T0)).toBeNull();
  });

  // A view of 300 s whose end was live 5 s before `now`.
  const view: DvrView = { startAt: T0, durationSeconds: 300 };
  const now = T0 + 305_000;

  it("measures how far behind live the picture is from the view's date", () => {
    expect(dvrLag(view, now)).toBe(5);
    expect(dvrBehind(view, 300, now)).toBe(5);
    expect(dvrBehind(view, 240, now)).toBe(65);
    // Playing on: the distance stays the same.
    expect(dvrBehind(view, 250, now + 10_000)).toBe(65);
  });

  it('seeks back 60 s in a 10-minute window of a 5-minute view', () => {
    expect(dvrSeek(60, 600, view, now)).toEqual({ position: 245, behind: 60 });
    // Closer to live than the view reaches: its end.
    expect(dvrSeek(2, 600, view, now)).toEqual({ position: 300, behind: 5 });
    // Further back than recorded: its start.
    expect(dvrSeek(900, 600, view, now)).toEqual({ position: 0, behind: 305 });
    // Further back than the window: the window's start.
    expect(dvrSeek(900, 120, view, now)).toEqual({ position: 185, behind: 120 });
    expect(dvrReach(600, view, now)).toBe(305);
    expect(dvrReach(120, view, now)).toBe(120);
  });

  it('reloads the view only to go closer to live than it reaches (refresh on seek)', () => {
    expect(dvrNeedsReload(60, view, now)).toBe(false);
    expect(dvrNeedsReload(5.5, view, now)).toBe(true);
    // A minute later the loaded view ends 65 s behind live: 60 s back needs a fresh copy.
    expect(dvrNeedsReload(60, view, now + 60_000)).toBe(true);
  });

  it('never seeks outside the view nor further back than the window', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true }),
        fc.integer({ min: 1, max: 7200 }),
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (back, win, duration, lag) => {
          const v = { startAt: T0, durationSeconds: duration };
          const at = T0 + (duration + lag) * 1000;
          const { position, behind } = dvrSeek(back, win, v, at);
          expect(position).toBeGreaterThanOrEqual(0);
          expect(position).toBeLessThanOrEqual(duration);
          expect(behind).toBeGreaterThanOrEqual(lag - 1e-6);
          expect(behind).toBeLessThanOrEqual(Math.max(lag, win) + 1e-6);
          if (behind <= duration + lag) expect(dvrBehind(v, position, at)).toBeCloseTo(behind, 6);
        },
      ),
    );
  });

  it('labels the distance behind live', () => {
    expect(formatBehind(0.2)).toBe('Live');
    expect(formatBehind(65)).toBe('−1:05');
  });

  it('finds the first variant of the multivariant playlist', () => {
    expect(
      firstVariant(
        '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nsource/dvr.m3u8\n',
        'https://d1.example/p/media/hls/dvr.m3u8',
      ),
    ).toBe('https://d1.example/p/media/hls/source/dvr.m3u8');
    expect(firstVariant('#EXTM3U\n', 'https://d1.example/m.m3u8')).toBeNull();
  });
});
