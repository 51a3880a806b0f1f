/**
 * Playing a recording behind CloudFront signed URLs (docs/safety.md, "Replays"). The API hands a
 * playlist URL carrying the signature (`Policy`, `Signature`, `Key-Pair-Id`, `Hash-Algorithm`), a
 * custom policy over the whole recording; the distribution checks it on every playlist and segment.
 * HLS names renditions and segments by relative URLs, which a player resolves without the query, so
 * the page fetches the playlists itself and hands the player copies whose every URL is absolute and
 * signed, kept in memory (blob URLs). No cookie is needed, so it works where third-party cookies are
 * blocked (Safari), and the signature never outlives the page.
 */

/** The query parameters of a CloudFront signed URL. */
export const SIGNING_PARAMS = ['Policy', 'Signature', 'Key-Pair-Id', 'Expires', 'Hash-Algorithm'] as const;

/**
 * The signing part of `url`'s query (`Policy=…&Signature=…`), as written (CloudFront's `~` is not
 * re-escaped), or null when it is not signed.
 */
export function signingQuery(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const names: readonly string[] = SIGNING_PARAMS;
  const pairs = parsed.search
    .slice(1)
    .split('&')
    .filter((pair) => names.includes(decodeURIComponent(pair.split('=')[0] ?? '')));
  const has = (name: string) => pairs.some((p) => p.startsWith(`${name}=`));
  return has('Signature') && has('Key-Pair-Id') ? pairs.join('&') : null;
}

/**
 * When a signed URL's custom policy runs out (ms since the epoch), read from its `Policy` (CloudFront's
 * base64: `-` `_` `~` for `+` `=` `/`); null for an unsigned URL or one whose policy cannot be read.
 */
export function signatureExpiry(url: string): number | null {
  const policy = signingQuery(url)
    ?.split('&')
    .find((p) => p.startsWith('Policy='))
    ?.slice('Policy='.length);
  if (!policy) return null;
  try {
    const json = JSON.parse(atob(policy.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'))) as {
      Statement?: { Condition?: { DateLessThan?: { 'AWS:EpochTime'?: unknown } } }[];
    };
    const seconds = json.Statement?.[0]?.Condition?.DateLessThan?.['AWS:EpochTime'];
    return typeof seconds === 'number' ? seconds * 1000 : null;
  } catch {
    return null;
  }
}

/** `url` with `query` added after any query it has. */
export function withQuery(url: string, query: string | null | undefined): string {
  if (!query) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** `url` without its signing parameters (what a player sees of it). */
export function withoutSigning(url: string): string {
  const parsed = new URL(url);
  for (const name of SIGNING_PARAMS) parsed.searchParams.delete(name);
  return parsed.toString();
}

/**
 * The playlist `text` (fetched from `playlistUrl`) with every URL in it (the lines that are not tags,
 * and `URI="…"` attributes: keys, maps, media) made absolute against `playlistUrl` and given to
 * `rewrite`.
 */
export function rewritePlaylist(text: string, playlistUrl: string, rewrite: (absolute: string) => string): string {
  const base = withoutSigning(playlistUrl);
  return text
    .split(/\r?\n/)
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#'))
        return line.replace(/URI="([^"]+)"/g, (_m, uri: string) => `URI="${rewrite(new URL(uri, base).toString())}"`);
      return rewrite(new URL(trimmed, base).toString());
    })
    .join('\n');
}

/** Whether the playlist is a multivariant one (it names renditions rather than segments). */
export const isMultivariant = (text: string): boolean => /^#EXT-X-STREAM-INF/m.test(text);

/** The renditions' playlist URLs a multivariant playlist names (absolute, in its order). */
export function variantUrls(text: string, playlistUrl: string): string[] {
  const base = withoutSigning(playlistUrl);
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (line.startsWith('#EXT-X-STREAM-INF')) {
      const next = lines.slice(i + 1).find((l) => l !== '' && !l.startsWith('#'));
      if (next) out.push(new URL(next, base).toString());
    }
  });
  return out;
}

/** Why a signed recording could not be prepared: the distribution refused it (403), or the network failed. */
export class SignedPlaylistError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** What `playableSource` answers: the URL to give the player, and what to release when done. */
export interface PlayableSource {
  url: string;
  release(): void;
}

export interface SourceDeps {
  fetch: typeof fetch;
  /** Makes an in-memory URL for a playlist (URL.createObjectURL of a Blob in the page). */
  toUrl(text: string): string;
  revoke(url: string): void;
}

const browserDeps = (): SourceDeps => ({
  fetch: (input, init) => fetch(input, init),
  toUrl: (text) => URL.createObjectURL(new Blob([text], { type: 'application/vnd.apple.mpegurl' })),
  revoke: (url) => URL.revokeObjectURL(url),
});

async function fetchText(deps: SourceDeps, url: string): Promise<string> {
  const res = await deps.fetch(url, { cache: 'no-store' });
  if (!res.ok)
    throw new SignedPlaylistError(
      res.status === 403 ? 'This replay link has expired or is not yours to play.' : 'The replay could not be loaded.',
      res.status,
    );
  return res.text();
}

/**
 * The source to play for `url`: itself when unsigned; else in-memory copies of its playlists with
 * every rendition, segment and key URL absolute and signed with the same query.
 */
export async function playableSource(url: string, deps: SourceDeps = browserDeps()): Promise<PlayableSource> {
  const query = signingQuery(url);
  if (!query) return { url, release: () => undefined };
  const made: string[] = [];
  const keep = (text: string) => {
    const u = deps.toUrl(text);
    made.push(u);
    return u;
  };
  const sign = (absolute: string) => withQuery(absolute, query);
  const release = () => made.splice(0).forEach((u) => deps.revoke(u));
  try {
    const top = await fetchText(deps, url);
    if (!isMultivariant(top)) return { url: keep(rewritePlaylist(top, url, sign)), release };
    const variants = new Map<string, string>();
    await Promise.all(
      variantUrls(top, url).map(async (v) => {
        const signed = sign(v);
        variants.set(v, keep(rewritePlaylist(await fetchText(deps, signed), signed, sign)));
      }),
    );
    return { url: keep(rewritePlaylist(top, url, (abs) => variants.get(abs) ?? sign(abs))), release };
  } catch (error) {
    release();
    throw error;
  }
}
