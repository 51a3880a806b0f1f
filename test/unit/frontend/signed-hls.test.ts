import { describe, expect, it } from 'vitest';
import {
  playableSource,
  rewritePlaylist,
  signatureExpiry,
  signingQuery,
  SignedPlaylistError,
  variantUrls,
  withQuery,
  type SourceDeps,
} from '../../../frontend/src/features/replay/signed-hls';

const BASE = 'https://d1.cloudfront.net/ivs/v1/1/ch/2026/12/3/6/0/s1/media/hls';
const SIGNING = 'Policy=eyJ-_~&Signature=abc~-_&Key-Pair-Id=K2AB&Hash-Algorithm=SHA256';
const MASTER =
  '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080\n1080p60/playlist.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=3000000\n720p60/playlist.m3u8\n';
const media = (n: number) =>
  `#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI="init.mp4"\n${Array.from({ length: n }, (_, i) => `#EXTINF:6.0,\n${i}.mp4`).join('\n')}\n#EXT-X-ENDLIST\n`;

/** A distribution that answers only signed requests, and an in-memory URL maker the test can read back. */
function fakeDeps(files: Record<string, string>, status = 200) {
  const blobs = new Map<string, string>();
  const revoked: string[] = [];
  const fetched: string[] = [];
  const deps: SourceDeps = {
    fetch: async (input) => {
      const url = String(input);
      fetched.push(url);
      const path = url.split('?')[0] as string;
      const body = files[path];
      if (status !== 200 || signingQuery(url) === null || body === undefined)
        return new Response('denied', { status: status === 200 ? 403 : status });
      return new Response(body, { status: 200 });
    },
    toUrl: (text) => {
      const id = `blob:https://shop.example/${blobs.size}`;
      blobs.set(id, text);
      return id;
    },
    revoke: (url) => void revoked.push(url),
  };
  return { deps, blobs, revoked, fetched };
}

describe('signed HLS in the page', () => {
  it('finds the signing query and leaves other parameters', () => {
    expect(signingQuery(`${BASE}/master.m3u8?v=3&${SIGNING}`)).toBe(SIGNING);
    expect(signingQuery(`${BASE}/master.m3u8?v=1`)).toBeNull();
    expect(withQuery(`${BASE}/dvr.m3u8?x=1`, 'v=2')).toBe(`${BASE}/dvr.m3u8?x=1&v=2`);
    expect(withQuery(`${BASE}/dvr.m3u8`, null)).toBe(`${BASE}/dvr.m3u8`);
  });

  it("reads when the signature's policy runs out", () => {
    const policy = Buffer.from(
      JSON.stringify({
        Statement: [{ Resource: `${BASE}/*`, Condition: { DateLessThan: { 'AWS:EpochTime': 1_800_000_000 } } }],
      }),
    )
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/=/g, '_')
      .replace(/\//g, '~');
    expect(signatureExpiry(`${BASE}/master.m3u8?Policy=${policy}&Signature=x&Key-Pair-Id=K`)).toBe(1_800_000_000_000);
    expect(signatureExpiry(`${BASE}/master.m3u8`)).toBeNull();
    expect(signatureExpiry(`${BASE}/master.m3u8?Policy=%%%&Signature=x&Key-Pair-Id=K`)).toBeNull();
  });

  it('rewrites every URL of a playlist, tags with URI= included, against the playlist without its signature', () => {
    const out = rewritePlaylist(media(2), `${BASE}/720p60/playlist.m3u8?${SIGNING}`, (u) => `${u}#signed`);
    expect(out).toContain(`#EXT-X-MAP:URI="${BASE}/720p60/init.mp4#signed"`);
    expect(out).toContain(`${BASE}/720p60/0.mp4#signed`);
    expect(out).toContain(`${BASE}/720p60/1.mp4#signed`);
    expect(out).toContain('#EXTINF:6.0,');
    expect(variantUrls(MASTER, `${BASE}/master.m3u8?${SIGNING}`)).toEqual([
      `${BASE}/1080p60/playlist.m3u8`,
      `${BASE}/720p60/playlist.m3u8`,
    ]);
  });

  it('hands the player in-memory playlists whose every rendition and segment URL is absolute and signed', async () => {
    const { deps, blobs, revoked, fetched } = fakeDeps({
      [`${BASE}/master.m3u8`]: MASTER,
      [`${BASE}/1080p60/playlist.m3u8`]: media(3),
      [`${BASE}/720p60/playlist.m3u8`]: media(3),
    });
    const source = await playableSource(`${BASE}/master.m3u8?${SIGNING}`, deps);
    expect(fetched.every((u) => signingQuery(u) !== null)).toBe(true);
    const top = blobs.get(source.url) as string;
    const renditions = top.split('\n').filter((l) => l.startsWith('blob:'));
    expect(renditions).toHaveLength(2);
    for (const r of renditions) {
      const lines = (blobs.get(r) as string).split('\n');
      const urls = lines.filter((l) => l !== '' && !l.startsWith('#'));
      expect(urls).toHaveLength(3);
      for (const u of [...urls, /URI="([^"]+)"/.exec(lines.join('\n'))?.[1] as string]) {
        expect(u.startsWith(BASE)).toBe(true);
        expect(signingQuery(u)).not.toBeNull();
      }
    }
    source.release();
    expect(revoked.sort()).toEqual([...blobs.keys()].sort());
  });

  it('plays an unsigned URL as it is, and tells a refused signature apart', async () => {
    const { deps } = fakeDeps({});
    expect((await playableSource(`${BASE}/master.m3u8`, deps)).url).toBe(`${BASE}/master.m3u8`);
    const refused = await playableSource(`${BASE}/master.m3u8?${SIGNING}`, fakeDeps({}, 403).deps).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(SignedPlaylistError);
    expect((refused as SignedPlaylistError).status).toBe(403);
  });
});
