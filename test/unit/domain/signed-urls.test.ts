import { createSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  channelRecordingsPrefix,
  cloudFrontBase64,
  customPolicy,
  newSigningKeyPair,
  REPLAY_ACCESS_MAX_SECONDS,
  REPLAY_ACCESS_SLACK_SECONDS,
  replayAccessSeconds,
  SIGNED_PATH_PATTERN,
  signedQuery,
  signPolicy,
  verifySignedUrl,
  wildcardMatch,
  withSignedQuery,
} from '../../../lambdas/shared/domain/signed-urls';

const BASE = 'https://d111111abcdef8.cloudfront.net';
const PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2026/12/3/6/0/j8Z9O91ndcVs';
const keys = newSigningKeyPair();
const other = newSigningKeyPair();
const trusted = new Map([['K2JCJMDEHXQW5F', keys.publicKeyPem]]);
const NOW = Date.parse('2026-12-03T06:00:00Z');
const at = (s: number) => Math.floor(NOW / 1000) + s;
const sign = (resource: string, expiresAt: number, privateKeyPem = keys.privateKeyPem) =>
  signedQuery(signPolicy(resource, expiresAt, { keyPairId: 'K2JCJMDEHXQW5F', privateKeyPem }));

describe('CloudFront signed URLs', () => {
  const query = sign(`${BASE}/${PREFIX}/*`, at(600));
  const url = (path: string, q = query) => withSignedQuery(`${BASE}/${PREFIX}/${path}`, q);

  it('one wildcard policy opens the playlists and every segment of the recording until it runs out', () => {
    for (const path of ['media/hls/master.m3u8', 'media/hls/720p60/playlist.m3u8', 'media/hls/720p60/17.ts'])
      expect(verifySignedUrl(url(path), trusted, NOW)).toEqual({ ok: true });
    expect(verifySignedUrl(url('media/hls/master.m3u8'), trusted, NOW + 600_000)).toEqual({
      ok: false,
      reason: 'EXPIRED',
    });
  });

  it('refuses a missing, foreign, unknown-key, tampered or other-path signature', () => {
    const v = (u: string) => verifySignedUrl(u, trusted, NOW);
    expect(v(`${BASE}/${PREFIX}/media/hls/master.m3u8`)).toEqual({ ok: false, reason: 'MISSING' });
    expect(v(url('media/hls/master.m3u8', sign(`${BASE}/${PREFIX}/*`, at(600), other.privateKeyPem)))).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
    expect(v(url('media/hls/master.m3u8').replace('K2JCJMDEHXQW5F', 'K2OTHER'))).toEqual({
      ok: false,
      reason: 'UNKNOWN_KEY',
    });
    const widened = new URLSearchParams(query);
    widened.set('Policy', cloudFrontBase64(customPolicy(`${BASE}/*`, at(600))));
    expect(v(url('media/hls/master.m3u8', widened.toString()))).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(
      v(withSignedQuery(`${BASE}/ivs/v1/123456789012/AbCdef1G2hij/2026/12/3/7/0/other/media/hls/master.m3u8`, query)),
    ).toEqual({
      ok: false,
      reason: 'WRONG_RESOURCE',
    });
  });

  it('the query carries only CloudFront-safe characters and declares SHA-256', () => {
    expect(query).toMatch(
      /^Policy=[A-Za-z0-9\-_~]+&Signature=[A-Za-z0-9\-_~]+&Key-Pair-Id=K2JCJMDEHXQW5F&Hash-Algorithm=SHA256$/,
    );
    const policy = new URLSearchParams(query).get('Policy') as string;
    const decoded = Buffer.from(policy.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64').toString();
    expect(JSON.parse(decoded)).toEqual({
      Statement: [{ Resource: `${BASE}/${PREFIX}/*`, Condition: { DateLessThan: { 'AWS:EpochTime': at(600) } } }],
    });
  });

  it('verifies a canned policy signed with SHA-1, as CloudFront documents it', () => {
    const resource = `${BASE}/${PREFIX}/media/hls/master.m3u8`;
    const signer = createSign('RSA-SHA1');
    signer.update(customPolicy(resource, at(60)));
    const signature = cloudFrontBase64(signer.sign(keys.privateKeyPem));
    const canned = `${resource}?Expires=${at(60)}&Signature=${signature}&Key-Pair-Id=K2JCJMDEHXQW5F`;
    expect(verifySignedUrl(canned, trusted, NOW)).toEqual({ ok: true });
    expect(verifySignedUrl(canned.replace('master', 'other'), trusted, NOW)).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('wildcards: * spans slashes, ? one character, the rest literally', () => {
    expect(wildcardMatch(SIGNED_PATH_PATTERN, `${PREFIX}/media/hls/720p60/1.ts`)).toBe(true);
    expect(wildcardMatch(SIGNED_PATH_PATTERN, `${PREFIX}/media/latest_thumbnail/thumb.jpg`)).toBe(false);
    expect(wildcardMatch('a?c.ts', 'abc.ts')).toBe(true);
    expect(wildcardMatch('a.c', 'abc')).toBe(false);
  });

  it('a replay lasts the show plus slack, within bounds; a channel ARN names its recordings prefix', () => {
    expect(replayAccessSeconds(undefined)).toBe(REPLAY_ACCESS_SLACK_SECONDS);
    expect(replayAccessSeconds(3_600_000)).toBe(3600 + REPLAY_ACCESS_SLACK_SECONDS);
    expect(replayAccessSeconds(100 * 3_600_000)).toBe(REPLAY_ACCESS_MAX_SECONDS);
    expect(channelRecordingsPrefix('arn:aws:ivs:us-east-1:123456789012:channel/AbCdef1G2hij')).toBe(
      'ivs/v1/123456789012/AbCdef1G2hij/',
    );
    expect(channelRecordingsPrefix('arn:aws:ivs:us-east-1:123456789012:stream-key/x')).toBeUndefined();
  });
});
