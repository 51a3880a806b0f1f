/**
 * Playing a recording behind CloudFront signed URLs (docs/safety.md, "Replays"). The API hands a
 * playlist URL carrying the signature (`Policy`, `Signature`, `Key-Pair-Id`, `Hash-Algorithm`), a
 * custom policy over the whole recording; the distribution checks it on every playlist and segment.
 * HLS names renditions and segments by relative URLs, which a player resolves without the query
 * (amazon-ivs-player does, measured), and the player takes http(s) URLs only. So the player's worker
 * starts with a small hook (SIGNED_HLS_WORKER_HOOK, installed by player-loader.ts) that adds the
 * signature to its requests under the signed resource, which the page announces on a
 * BroadcastChannel (`announceSigning`). No cookie is needed, so it works where third-party cookies
 * are blocked (Safari), and the signature never outlives the page.
 */

/** The query parameters of a CloudFront signed URL. */
export const SIGNING_PARAMS = ['Policy', 'Signature', 'Key-Pair-Id', 'Expires', 'Hash-Algorithm'] as const;

/** The channel the page tells the player's worker about signatures on. */
export const SIGNED_HLS_CHANNEL = 'bidstream-signed-hls';

/**
 * The worker hook: keeps the announced `{ prefix, query }` pairs and adds the query to every fetch and
 * XHR of a URL under a prefix that has no signature of its own.
 */
export const SIGNED_HLS_WORKER_HOOK = `(() => {
  const signed = new Map();
  const channel = new BroadcastChannel(${JSON.stringify(SIGNED_HLS_CHANNEL)});
  channel.onmessage = (e) => {
    const m = e.data || {};
    if (typeof m.prefix === 'string' && typeof m.query === 'string') signed.set(m.prefix, m.query);
  };
  // Ask the page at once rather than wait for its next announcement.
  channel.postMessage({ want: true });
  // The first request is the signed playlist itself: its directory's requests carry its signature,
  // so the segments right after it are signed even before the page's answer arrives.
  const names = ${JSON.stringify(SIGNING_PARAMS)};
  const learn = (url) => {
    try {
      const u = new URL(url);
      const query = u.search.slice(1).split('&').filter((p) => names.includes(p.split('=')[0])).join('&');
      if (query) signed.set(u.origin + u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1), query);
    } catch {}
  };
  const sign = (url) => {
    if (/[?&]Signature=/.test(url)) {
      learn(url);
      return url;
    }
    for (const [prefix, query] of signed) if (url.startsWith(prefix)) return url + (url.includes('?') ? '&' : '?') + query;
    return url;
  };
  const fetch0 = self.fetch.bind(self);
  self.fetch = (input, init) =>
    input instanceof Request ? fetch0(new Request(sign(input.url), input), init) : fetch0(sign(String(input)), init);
  const open0 = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    return open0.call(this, method, sign(String(url)), ...rest);
  };
})();`;

/** The URL prefix a signed URL's policy opens (its resource up to the wildcard), else its directory. */
export function signedPrefix(url: string): string | null {
  const query = signingQuery(url);
  if (!query) return null;
  // A canned policy (Expires) names no resource: the playlist's directory.
  const resource = policyOf(query)?.Statement?.[0]?.Resource;
  if (typeof resource === 'string') return resource.split('*')[0] ?? null;
  const bare = withoutSigning(url);
  return bare.slice(0, bare.lastIndexOf('/') + 1);
}

/**
 * Tells the player's worker to sign its requests under `url`'s signed resource with `url`'s signature,
 * now and every two seconds (a player created later hears it too) until the returned stop is called.
 */
export function announceSigning(url: string): () => void {
  const query = signingQuery(url);
  const prefix = signedPrefix(url);
  if (!query || !prefix || typeof BroadcastChannel === 'undefined') return () => undefined;
  const channel = new BroadcastChannel(SIGNED_HLS_CHANNEL);
  const post = () => channel.postMessage({ prefix, query });
  // A worker that starts asks at once (its first segment must not wait for the next round).
  channel.onmessage = (e: MessageEvent<{ want?: boolean }>) => {
    if (e.data?.want) post();
  };
  post();
  const timer = setInterval(post, 2000);
  return () => {
    clearInterval(timer);
    channel.close();
  };
}

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
  const query = signingQuery(url);
  const seconds = query ? policyOf(query)?.Statement?.[0]?.Condition?.DateLessThan?.['AWS:EpochTime'] : undefined;
  return typeof seconds === 'number' ? seconds * 1000 : null;
}

/** A custom policy as CloudFront signs it. */
interface SignedPolicy {
  Statement?: { Resource?: unknown; Condition?: { DateLessThan?: { 'AWS:EpochTime'?: unknown } } }[];
}

/**
 * The custom policy in a signing query (CloudFront's base64: `-` `_` `~` for `+` `=` `/`), or null
 * when there is none (a canned policy) or it cannot be read.
 */
function policyOf(query: string): SignedPolicy | null {
  const policy = query
    .split('&')
    .find((p) => p.startsWith('Policy='))
    ?.slice('Policy='.length);
  if (!policy) return null;
  try {
    return JSON.parse(atob(policy.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'))) as SignedPolicy;
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

/** What the player plays: the URL, and what to stop when it is done with it. */
export interface PlayableSource {
  url: string;
  release(): void;
}

/** The source for `url`: itself, with its signature announced to the player's worker while it plays. */
export function playableSource(url: string): PlayableSource {
  return { url, release: announceSigning(url) };
}
