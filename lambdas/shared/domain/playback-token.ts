/**
 * IVS playback tokens (docs/safety.md, "Audience and playback authorization"): ES384-signed JWTs
 * with IVS's claims, passed as `?token=` on a private channel's playback URL. One module signs
 * them (the playback function) and verifies them (the local IVS), so both read the same claims.
 * node:crypto only: the key is a P-384 EC key in PEM; JWS wants the raw r||s signature
 * (`ieee-p1363`), not DER.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/** How long a playback token may be used to start playback (IVS checks `exp` when a session starts). */
export const PLAYBACK_TOKEN_TTL_SECONDS = 300;

export interface PlaybackClaims {
  'aws:channel-arn': string;
  /** Comma-separated origins whose pages may play; absent = any origin. */
  'aws:access-control-allow-origin'?: string;
  /** Seconds since the epoch. */
  exp: number;
  /** Who the token was minted for (IVS's optional viewer id claim, at most 40 characters). */
  'aws:viewer-id'?: string;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** The claims of a token for `channelArn`, valid `ttlSeconds` from `nowMs`. */
export function playbackClaims(
  channelArn: string,
  opts: { origins?: readonly string[]; nowMs?: number; ttlSeconds?: number; viewerId?: string } = {},
): PlaybackClaims {
  const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const claims: PlaybackClaims = {
    'aws:channel-arn': channelArn,
    exp: now + (opts.ttlSeconds ?? PLAYBACK_TOKEN_TTL_SECONDS),
  };
  const origins = (opts.origins ?? []).filter((o) => o !== '');
  if (origins.length > 0) claims['aws:access-control-allow-origin'] = [...new Set(origins)].join(',');
  if (opts.viewerId) claims['aws:viewer-id'] = opts.viewerId.slice(0, 40);
  return claims;
}

/** Signs `claims` with the P-384 private key in `privateKeyPem`: `header.payload.signature`. */
export function signPlaybackToken(claims: PlaybackClaims, privateKeyPem: string | KeyObject): string {
  const key = typeof privateKeyPem === 'string' ? createPrivateKey(privateKeyPem) : privateKeyPem;
  const input = `${b64url(JSON.stringify({ alg: 'ES384', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha384', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

/** Why a token was refused; IVS answers each with 403. */
export type PlaybackRefusal =
  'MISSING' | 'MALFORMED' | 'BAD_SIGNATURE' | 'EXPIRED' | 'WRONG_CHANNEL' | 'ORIGIN_NOT_ALLOWED';

export type PlaybackVerdict = { ok: true; claims: PlaybackClaims } | { ok: false; reason: PlaybackRefusal };

/** Whether `origin` matches one of `allowed` (comma-separated; a hostname may start with `*`). */
export function originAllowed(allowed: string, origin: string): boolean {
  return allowed
    .split(',')
    .map((a) => a.trim())
    .some((a) => {
      if (a === '*' || a === origin) return true;
      const wild = /^(https?:\/\/)\*(\.[^/]+)$/.exec(a);
      return !!wild && origin.startsWith(wild[1] as string) && origin.endsWith(wild[2] as string);
    });
}

/**
 * Verifies a token for `channelArn` against the imported public keys, as IVS does on a private
 * channel's playback request: ES384 signature by one of the keys, `aws:channel-arn` equal to the
 * channel, `exp` in the future, and (for a browser request, which sends Origin) the origin allowed.
 */
export function verifyPlaybackToken(
  token: string | null | undefined,
  channelArn: string,
  publicKeys: readonly (string | KeyObject)[],
  opts: { nowMs?: number; origin?: string } = {},
): PlaybackVerdict {
  if (!token) return { ok: false, reason: 'MISSING' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'MALFORMED' };
  const [head, body, sig] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: PlaybackClaims;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: unknown };
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as PlaybackClaims;
  } catch {
    return { ok: false, reason: 'MALFORMED' };
  }
  if (header.alg !== 'ES384' || typeof claims !== 'object' || claims === null)
    return { ok: false, reason: 'MALFORMED' };
  const signature = Buffer.from(sig, 'base64url');
  const signed = publicKeys.some((k) => {
    try {
      return verify(
        'sha384',
        Buffer.from(`${head}.${body}`),
        { key: typeof k === 'string' ? createPublicKey(k) : k, dsaEncoding: 'ieee-p1363' },
        signature,
      );
    } catch {
      return false;
    }
  });
  if (!signed) return { ok: false, reason: 'BAD_SIGNATURE' };
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= (opts.nowMs ?? Date.now()))
    return { ok: false, reason: 'EXPIRED' };
  if (claims['aws:channel-arn'] !== channelArn) return { ok: false, reason: 'WRONG_CHANNEL' };
  const allowed = claims['aws:access-control-allow-origin'];
  if (allowed && opts.origin && !originAllowed(allowed, opts.origin))
    return { ok: false, reason: 'ORIGIN_NOT_ALLOWED' };
  return { ok: true, claims };
}

/** A new P-384 key pair in PEM (PKCS#8 private, SPKI public: what ImportPlaybackKeyPair takes). */
export function newPlaybackKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The SPKI PEM public key of a PEM private key. */
export function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
}
