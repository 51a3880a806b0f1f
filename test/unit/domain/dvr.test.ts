import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DVR_MULTIVARIANT_PATH, dvrMediaView, dvrMultivariant, dvrSourceOf } from '../../../lambdas/shared/domain/dvr';

const PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2026/12/2/17/0/rec1';

/** An open (in-progress) recording playlist of `n` segments of `d` seconds, as IVS and ffmpeg write one. */
const open = (n: number, d = 6, extra = '') =>
  `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:${Math.ceil(d)}\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n${extra}` +
  Array.from({ length: n }, (_, i) => `#EXTINF:${d.toFixed(3)},\n${i}.ts\n`).join('');

const uris = (view: string) => view.split('\n').filter((l) => l && !l.startsWith('#'));
const seconds = (view: string) => [...view.matchAll(/^#EXTINF:([\d.]+)/gm)].reduce((a, m) => a + Number(m[1]), 0);

describe('which recording objects feed a DVR view', () => {
  it('a rendition playlist feeds its dvr.m3u8, the multivariant playlist media/hls/dvr.m3u8', () => {
    expect(dvrSourceOf(`${PREFIX}/media/hls/720p60/playlist.m3u8`)).toEqual({
      kind: 'media',
      viewKey: `${PREFIX}/media/hls/720p60/dvr.m3u8`,
    });
    expect(dvrSourceOf(`${PREFIX}/media/hls/master.m3u8`)).toEqual({
      kind: 'multivariant',
      viewKey: `${PREFIX}/${DVR_MULTIVARIANT_PATH}`,
    });
  });

  it('segments, byte-range playlists, thumbnails and the views themselves feed none (no loop)', () => {
    for (const key of [
      'media/hls/720p60/1.ts',
      'media/hls/720p60/dvr.m3u8',
      'media/hls/dvr.m3u8',
      'media/hls/byte-range-multivariant.m3u8',
      'media/hls/720p60/byte-range-variant.m3u8',
      'media/latest_thumbnail/thumb.jpg',
    ]) {
      expect(dvrSourceOf(`${PREFIX}/${key}`), key).toBeUndefined();
    }
    expect(dvrSourceOf('other/media/hls/source/playlist.m3u8')).toBeUndefined();
  });
});

describe('the multivariant DVR view', () => {
  it("names each rendition's view instead of its playlist, attributes kept", () => {
    const master =
      '#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1280x720\n720p60/playlist.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=1000000\n360p30/playlist.m3u8\n';
    expect(dvrMultivariant(master)).toBe(
      '#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1280x720\n720p60/dvr.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=1000000\n360p30/dvr.m3u8\n',
    );
    expect(dvrMultivariant('#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",URI="audio/playlist.m3u8"\n')).toContain(
      'URI="audio/dvr.m3u8"',
    );
  });
});

describe('the media DVR view', () => {
  it('closes the open playlist: VOD, ENDLIST, every segment of a recording shorter than the window', () => {
    const view = dvrMediaView(open(3), { windowSeconds: 600 }) as string;
    expect(view).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:6.000,\n0.ts\n#EXTINF:6.000,\n1.ts\n#EXTINF:6.000,\n2.ts\n#EXT-X-ENDLIST\n',
    );
    // Already closed (the stream ended): the same view, one ENDLIST.
    expect(dvrMediaView(`${open(3)}#EXT-X-ENDLIST\n`, { windowSeconds: 600 })).toBe(view);
  });

  it('keeps the fewest last segments that span the window, numbered as in the recording', () => {
    const view = dvrMediaView(open(200), { windowSeconds: 600 }) as string;
    expect(uris(view)).toEqual(Array.from({ length: 100 }, (_, i) => `${100 + i}.ts`));
    expect(view).toContain('#EXT-X-MEDIA-SEQUENCE:100\n');
    expect(seconds(view)).toBe(600);
    // A window that ends inside a segment takes the whole segment: the full window stays reachable.
    expect(uris(dvrMediaView(open(20), { windowSeconds: 50 }) as string)).toEqual([
      '11.ts',
      '12.ts',
      '13.ts',
      '14.ts',
      '15.ts',
      '16.ts',
      '17.ts',
      '18.ts',
      '19.ts',
    ]);
  });

  it('answers nothing for a playlist with no segment yet', () => {
    expect(dvrMediaView(open(0), { windowSeconds: 600 })).toBeUndefined();
    expect(dvrMediaView('', { windowSeconds: 600 })).toBeUndefined();
  });

  it("dates its first segment from the recording's PROGRAM-DATE-TIME, or from the start it is told", () => {
    const dated =
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:2026-12-02T17:00:00.000Z\n#EXTINF:2.0,\n0.ts\n#EXTINF:2.0,\n1.ts\n#EXTINF:2.0,\n2.ts\n';
    expect(dvrMediaView(dated, { windowSeconds: 3 })).toContain(
      '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T17:00:02.000Z\n#EXTINF:2.0,\n1.ts\n',
    );
    const told = dvrMediaView(open(3, 2), {
      windowSeconds: 600,
      firstSegmentStartMs: Date.parse('2026-12-02T17:00:00.500Z'),
    }) as string;
    expect(told).toContain('#EXT-X-PROGRAM-DATE-TIME:2026-12-02T17:00:00.500Z\n#EXTINF:2.000,\n0.ts\n');
    expect(told.match(/PROGRAM-DATE-TIME/g)).toHaveLength(1);
    expect(dvrMediaView(open(3, 2), { windowSeconds: 600 })).not.toContain('PROGRAM-DATE-TIME');
  });

  it('repeats the MAP in force, gives byte ranges explicit offsets and counts dropped discontinuities', () => {
    const fmp4 =
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.0,\n#EXT-X-BYTERANGE:100@0\nall.mp4\n#EXTINF:2.0,\n#EXT-X-BYTERANGE:150\nall.mp4\n#EXT-X-DISCONTINUITY\n#EXTINF:2.0,\n#EXT-X-BYTERANGE:120\nall.mp4\n#EXTINF:2.0,\n#EXT-X-BYTERANGE:80\nall.mp4\n';
    const view = dvrMediaView(fmp4, { windowSeconds: 4 }) as string;
    expect(view).toBe(
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:2\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.0,\n#EXT-X-BYTERANGE:120@250\nall.mp4\n#EXTINF:2.0,\n#EXT-X-BYTERANGE:80@370\nall.mp4\n#EXT-X-ENDLIST\n',
    );
  });

  it('is always a closed playlist holding the window (or all) of what was recorded, ending at its newest segment', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 400 }),
        (lengths, win) => {
          const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:12\n${lengths.map((d, i) => `#EXTINF:${d}.0,\n${i}.ts\n`).join('')}`;
          const view = dvrMediaView(playlist, { windowSeconds: win }) as string;
          const kept = uris(view);
          const total = lengths.reduce((a, b) => a + b, 0);
          expect(view.startsWith('#EXTM3U\n')).toBe(true);
          expect(view.endsWith('#EXT-X-ENDLIST\n')).toBe(true);
          expect(view.match(/#EXT-X-PLAYLIST-TYPE:VOD/g)).toHaveLength(1);
          expect(kept.at(-1)).toBe(`${lengths.length - 1}.ts`);
          expect(seconds(view)).toBeGreaterThanOrEqual(Math.min(win, total));
          // One segment fewer would not span the window.
          expect(seconds(view) - lengths[lengths.length - kept.length]!).toBeLessThan(win);
          expect(view).toContain(`#EXT-X-MEDIA-SEQUENCE:${lengths.length - kept.length}\n`);
        },
      ),
    );
  });
});
