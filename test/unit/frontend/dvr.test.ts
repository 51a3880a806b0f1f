import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closedRecordingPlaylist, dvrPlaylistUrl, dvrReach, dvrSeek, firstVariant, formatBehind } from '../../../frontend/src/features/watch/watch';

describe('DVR', () => {
  it('derives the recording playlist from the live thumbnail URL, and none without a recording', () => {
    const base = 'https://d1.cloudfront.net/ivs/v1/123/ch/2026/12/2/15/40/rec1';
    expect(dvrPlaylistUrl(`${base}/media/latest_thumbnail/thumb.jpg`)).toBe(`${base}/media/hls/master.m3u8`);
    expect(dvrPlaylistUrl(`${base}/media/latest_thumbnail/thumb.jpg?v=3`)).toBe(`${base}/media/hls/master.m3u8`);
    expect(dvrPlaylistUrl(null)).toBeNull();
    expect(dvrPlaylistUrl(undefined)).toBeNull();
    expect(dvrPlaylistUrl('https://x/avatar.jpg')).toBeNull();
  });

  it('reaches back the window, or only as far as recorded', () => {
    expect(dvrReach(600, 90)).toBe(90);
    expect(dvrReach(600, 900)).toBe(600);
    expect(dvrReach(600, 0)).toBe(0);
    expect(dvrReach(600, Infinity)).toBe(0);
  });

  it('seeks back 60 s in a 10-minute window of a 5-minute recording', () => {
    expect(dvrSeek(60, 600, 300)).toEqual({ position: 240, behind: 60 });
    // Beyond what is recorded: the start of the recording.
    expect(dvrSeek(60, 600, 40)).toEqual({ position: 0, behind: 40 });
    // Beyond the window: the window's start.
    expect(dvrSeek(900, 600, 1200)).toEqual({ position: 600, behind: 600 });
    expect(dvrSeek(-5, 600, 300)).toEqual({ position: 300, behind: 0 });
  });

  it('never seeks outside the window nor the recording', () => {
    fc.assert(fc.property(fc.double({ noNaN: true }), fc.integer({ min: 1, max: 7200 }), fc.double({ min: 0, max: 1e5, noNaN: true }), (back, win, rec) => {
      const { position, behind } = dvrSeek(back, win, rec);
      expect(position).toBeGreaterThanOrEqual(0);
      expect(position).toBeLessThanOrEqual(rec);
      expect(behind).toBeLessThanOrEqual(win);
      expect(rec - position).toBeCloseTo(behind, 6);
    }));
  });

  it('labels the distance behind live', () => {
    expect(formatBehind(0.2)).toBe('Live');
    expect(formatBehind(65)).toBe('−1:05');
  });
});

describe('closed copy of the recording playlist', () => {
  const url = 'https://d1.example/ivs/p/media/hls/source/playlist.m3u8';
  it('ends the event playlist and makes segment URIs absolute', () => {
    const out = closedRecordingPlaylist('#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:6.0,\n0.ts\n#EXTINF:6.0,\n1.ts\n', url);
    expect(out).toBe('#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:6.0,\nhttps://d1.example/ivs/p/media/hls/source/0.ts\n#EXTINF:6.0,\nhttps://d1.example/ivs/p/media/hls/source/1.ts\n#EXT-X-ENDLIST\n');
    expect(closedRecordingPlaylist(out, url)).toBe(out);
  });
  it('finds the first variant of the multivariant playlist', () => {
    expect(firstVariant('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nsource/playlist.m3u8\n', 'https://d1.example/p/media/hls/master.m3u8')).toBe('https://d1.example/p/media/hls/source/playlist.m3u8');
    expect(firstVariant('#EXTM3U\n', 'https://d1.example/m.m3u8')).toBeNull();
  });
});
