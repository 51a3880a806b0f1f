/**
 * CloudFront signed URLs with a custom policy (docs/safety.md, "Replays"): the replay distribution
 * serves recordings' HLS (`ivs/…/media/hls/…`) only to requests carrying `Policy`, `Signature`,
 * `Key-Pair-Id` (and `Hash-Algorithm=SHA256`) whose policy names a resource matching the request
 * URL and whose time has not run out. A custom policy with a wildcard resource (`<recording>/*`)
 * covers the multivariant playlist, each rendition's playlist and every segment with one signature.
 * One module signs (the replay and playback functions) and verifies (the local CloudFront), so both
 * read the same rules. node:crypto only; the key is RSA 2048 (CloudFront takes RSA 2048 or ECDSA
 * 256), signed with SHA-256 as `Hash-Algorithm=SHA256` declares.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/** The distribution's path pattern whose requests must be signed: every recording's HLS playlists and segments. */
export const SIGNED_PATH_PATTERN = 'ivs/*/media/hls/*';

/** The `Kind` property of the custom resource that makes the replay signing key (lambdas/playback-keys). */
export const REPLAY_SIGNING_KEY = 'REPLAY_SIGNING_KEY';

/** The query parameters CloudFront reads for signed URLs (taken off before the policy's resource is compared). */
export const SIGNING_PARAMS = ['Policy', 'Signature', 'Key-Pair-Id', 'Expires', 'Hash-Algorithm'] as const;

/** A replay stays playable this much longer than the show lasts (pauses, seeking back). */
export const REPLAY_ACCESS_SLACK_SECONDS = 15 * 60;
/** The longest a replay's access lasts, however long the show. */
export const REPLAY_ACCESS_MAX_SECONDS = 12 * 3600;
/** How long a live viewer's access to the running recording (rewind) lasts before the page asks again. */
export const RECORDING_ACCESS_TTL_SECONDS = 30 * 60;

/** How long access to a replay of `durationMs` lasts: the show and some slack, within bounds. */
export function replayAccessSeconds(durationMs: number | undefined): number {
  const show = Math.ceil(Math.max(0, durationMs ?? 0) / 1000);
  return Math.min(REPLAY_ACCESS_MAX_SECONDS, show + REPLAY_ACCESS_SLACK_SECONDS);
}

/** CloudFront's URL-safe base64: `+` → `-`, `=` → `_`, `/` → `~`. */
export function cloudFrontBase64(data: Buffer | string): string {
  return Buffer.from(data).toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
}

function fromCloudFrontBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
}

/** The custom policy: `resource` (may hold `*` and `?` wildcards) until `expiresAt` (seconds since the epoch). */
export function customPolicy(resource: string, expiresAt: number): string {
  return JSON.stringify({
    Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expiresAt } } }],
  });
}

/** What a signed request carries, as query parameters. */
export interface SignedParams {
  Policy: string;
  Signature: string;
  'Key-Pair-Id': string;
  'Hash-Algorithm': 'SHA256';
}

/** Signs a custom policy for `resource` until `expiresAt`: the query parameters to add to each request. */
export function signPolicy(
  resource: string,
  expiresAt: number,
  key: { keyPairId: string; privateKeyPem: string | KeyObject },
): SignedParams {
  const policy = customPolicy(resource, expiresAt);
  const pk = typeof key.privateKeyPem === 'string' ? createPrivateKey(key.privateKeyPem) : key.privateKeyPem;
  return {
    Policy: cloudFrontBase64(policy),
    Signature: cloudFrontBase64(sign('sha256', Buffer.from(policy), pk)),
    'Key-Pair-Id': key.keyPairId,
    'Hash-Algorithm': 'SHA256',
  };
}

/** The parameters as a query string (no leading `?`); their characters need no escaping. */
export function signedQuery(params: SignedParams): string {
  return `Policy=${params.Policy}&Signature=${params.Signature}&Key-Pair-Id=${params['Key-Pair-Id']}&Hash-Algorithm=${params['Hash-Algorithm']}`;
}

/** `url` with the signed query appended (after any query it has). */
export function withSignedQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** The prefix IVS writes a channel's recordings under: `ivs/v1/<account>/<channel id>/`. */
export function channelRecordingsPrefix(channelArn: string): string | undefined {
  const m = /^arn:[^:]+:ivs:[^:]*:(\d{12}):channel\/([A-Za-z0-9]+)$/.exec(channelArn);
  return m ? `ivs/v1/${m[1] as string}/${m[2] as string}/` : undefined;
}

/** Whether `text` matches `pattern`, where `*` is any run of characters (slashes too) and `?` one character. */
export function wildcardMatch(pattern: string, text: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(text);
}

/** Why CloudFront refuses a request to a signed path; every refusal is a 403. */
export type SignedRefusal =
  'MISSING' | 'MALFORMED' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'EXPIRED' | 'WRONG_RESOURCE' | 'NOT_YET_VALID';

export type SignedVerdict = { ok: true } | { ok: false; reason: SignedRefusal };

interface PolicyStatement {
  Resource?: unknown;
  Condition?: { DateLessThan?: { 'AWS:EpochTime'?: unknown }; DateGreaterThan?: { 'AWS:EpochTime'?: unknown } };
}

/**
 * Verifies a request as CloudFront does for a behavior with trusted key groups: `url` is the full
 * request URL (signing parameters included); `publicKeys` maps key ids to PEM public keys.
 * Canned (`Expires`) and custom (`Policy`) policies, SHA1 or SHA256.
 */
export function verifySignedUrl(
  url: string,
  publicKeys: ReadonlyMap<string, string | KeyObject>,
  nowMs: number = Date.now(),
): SignedVerdict {
  const parsed = new URL(url);
  const q = parsed.searchParams;
  const signature = q.get('Signature');
  const keyId = q.get('Key-Pair-Id');
  const policyParam = q.get('Policy');
  const expiresParam = q.get('Expires');
  if (!signature || !keyId || (!policyParam && !expiresParam)) return { ok: false, reason: 'MISSING' };
  const hash = q.get('Hash-Algorithm') ?? 'SHA1';
  if (hash !== 'SHA1' && hash !== 'SHA256') return { ok: false, reason: 'MALFORMED' };
  for (const p of SIGNING_PARAMS) q.delete(p);
  parsed.search = q.toString();
  const resourceUrl = parsed.toString();
  let policy: string;
  if (policyParam) {
    policy = fromCloudFrontBase64(policyParam).toString('utf8');
  } else {
    const expires = Number(expiresParam);
    if (!Number.isInteger(expires)) return { ok: false, reason: 'MALFORMED' };
    policy = customPolicy(resourceUrl, expires);
  }
  const key = publicKeys.get(keyId);
  if (!key) return { ok: false, reason: 'UNKNOWN_KEY' };
  let signed = false;
  try {
    signed = verify(
      hash === 'SHA256' ? 'sha256' : 'sha1',
      Buffer.from(policy),
      typeof key === 'string' ? createPublicKey(key) : key,
      fromCloudFrontBase64(signature),
    );
  } catch {
    signed = false;
  }
  if (!signed) return { ok: false, reason: 'BAD_SIGNATURE' };
  let statement: PolicyStatement | undefined;
  try {
    statement = (JSON.parse(policy) as { Statement?: PolicyStatement[] }).Statement?.[0];
  } catch {
    return { ok: false, reason: 'MALFORMED' };
  }
  const expiresAt = statement?.Condition?.DateLessThan?.['AWS:EpochTime'];
  if (typeof expiresAt !== 'number') return { ok: false, reason: 'MALFORMED' };
  if (expiresAt * 1000 <= nowMs) return { ok: false, reason: 'EXPIRED' };
  const startsAt = statement?.Condition?.DateGreaterThan?.['AWS:EpochTime'];
  if (typeof startsAt === 'number' && startsAt * 1000 > nowMs) return { ok: false, reason: 'NOT_YET_VALID' };
  const resource = statement?.Resource;
  // A custom policy without a resource applies to every file of the distribution.
  if (resource !== undefined && (typeof resource !== 'string' || !wildcardMatch(resource, resourceUrl)))
    return { ok: false, reason: 'WRONG_RESOURCE' };
  return { ok: true };
}

/** A new RSA 2048 key pair in PEM (PKCS#8 private, SPKI public: what AWS::CloudFront::PublicKey takes). */
export function newSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
