import { describe, expect, it } from 'vitest';
import {
  announceSigning,
  signatureExpiry,
  signedPrefix,
  signingQuery,
  SIGNED_HLS_CHANNEL,
  SIGNED_HLS_WORKER_HOOK,
  withQuery,
} from '../../../frontend/src/features/replay/signed-hls';

const BASE = 'https://d1.cloudfront.net/ivs/v1/1/ch/2026/12/3/6/0/s1/media/hls';
const SIGNING = 'Policy=eyJ-_~&Signature=abc~-_&Key-Pair-Id=K2AB&Hash-Algorithm=SHA256';
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

  it('the policy names the prefix the worker signs under', () => {
    const policy = Buffer.from(JSON.stringify({ Statement: [{ Resource: `${BASE.replace('/media/hls', '')}/*` }] }))
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/=/g, '_')
      .replace(/\//g, '~');
    expect(signedPrefix(`${BASE}/master.m3u8?Policy=${policy}&Signature=x&Key-Pair-Id=K`)).toBe(
      `${BASE.replace('/media/hls', '')}/`,
    );
    expect(signedPrefix(`${BASE}/master.m3u8`)).toBeNull();
  });

  it("the worker hook adds the announced signature to the player's requests under the prefix only", async () => {
    const seen: string[] = [];
    const asked: unknown[] = [];
    let onmessage: ((e: { data: unknown }) => void) | undefined;
    class FakeChannel {
      set onmessage(f: (e: { data: unknown }) => void) {
        onmessage = f;
      }
      postMessage(m: unknown) {
        asked.push(m);
      }
    }
    class FakeXhr {
      open(_m: string, url: string) {
        seen.push(`xhr ${url}`);
      }
    }
    const self = { fetch: async (u: unknown) => void seen.push(`fetch ${String(u)}`) };
    // The hook's source, run as the worker runs it.
    new Function('self', 'BroadcastChannel', 'XMLHttpRequest', 'Request', SIGNED_HLS_WORKER_HOOK)(
      self,
      FakeChannel,
      FakeXhr,
      class {},
    );
    // It asks the page at once rather than wait for the page's next round.
    expect(asked).toEqual([{ want: true }]);
    onmessage?.({ data: { prefix: `${BASE}/`, query: SIGNING } });
    await self.fetch(`${BASE}/720p60/1.ts`);
    await self.fetch('https://elsewhere.example/x.ts');
    await self.fetch(`${BASE}/master.m3u8?${SIGNING}`);
    new FakeXhr().open('GET', `${BASE}/720p60/playlist.m3u8`);
    expect(seen).toEqual([
      `fetch ${BASE}/720p60/1.ts?${SIGNING}`,
      'fetch https://elsewhere.example/x.ts',
      `fetch ${BASE}/master.m3u8?${SIGNING}`,
      `xhr ${BASE}/720p60/playlist.m3u8?${SIGNING}`,
    ]);
  });

  it('before any announcement, the signed playlist it fetches signs the segments under its directory', async () => {
    const seen: string[] = [];
    class SilentChannel {
      set onmessage(_f: unknown) {}
      postMessage() {}
    }
    const self = { fetch: async (u: unknown) => void seen.push(`fetch ${String(u)}`) };
    new Function('self', 'BroadcastChannel', 'XMLHttpRequest', 'Request', SIGNED_HLS_WORKER_HOOK)(
      self,
      SilentChannel,
      class {},
      class {},
    );
    await self.fetch(`${BASE}/720p60/0.ts`);
    await self.fetch(`${BASE}/master.m3u8?${SIGNING}&x=1`);
    await self.fetch(`${BASE}/720p60/1.ts`);
    await self.fetch('https://elsewhere.example/media/hls/1.ts');
    expect(seen).toEqual([
      `fetch ${BASE}/720p60/0.ts`,
      `fetch ${BASE}/master.m3u8?${SIGNING}&x=1`,
      `fetch ${BASE}/720p60/1.ts?${SIGNING}`,
      'fetch https://elsewhere.example/media/hls/1.ts',
    ]);
  });

  it('the page answers a starting worker at once', async () => {
    const url = `${BASE}/master.m3u8?${SIGNING}`;
    const stop = announceSigning(url);
    const worker = new BroadcastChannel(SIGNED_HLS_CHANNEL);
    try {
      const answers: unknown[] = [];
      const answered = new Promise<void>((resolve) => {
        worker.onmessage = (e: MessageEvent) => {
          answers.push(e.data);
          resolve();
        };
      });
      worker.postMessage({ want: true });
      // At once: not at the page's next two-second round.
      const late = new Promise<void>((resolve) => setTimeout(resolve, 1000));
      await Promise.race([answered, late]);
      expect(answers[0]).toEqual({ prefix: signedPrefix(url), query: SIGNING });
    } finally {
      worker.close();
      stop();
    }
  });
});
