/** Playback tokens: the IVS claims, expiry, and each refusal the verifier (the local IVS) makes. */
import { describe, expect, it } from 'vitest';
import {
  newPlaybackKeyPair,
  originAllowed,
  PLAYBACK_TOKEN_TTL_SECONDS,
  playbackClaims,
  publicKeyOf,
  signPlaybackToken,
  verifyPlaybackToken,
} from '../../../lambdas/shared/domain/playback-token';

const CHANNEL = 'arn:aws:ivs:us-east-1:000000000000:channel/abcdefghijkl';
const OTHER = 'arn:aws:ivs:us-east-1:000000000000:channel/zzzzzzzzzzzz';
const keys = newPlaybackKeyPair();
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('playback token claims', () => {
  it('carries the channel ARN, the allowed origins and an exp TTL seconds after now', () => {
    const claims = playbackClaims(CHANNEL, {
      origins: ['https://shop.example', 'http://127.0.0.1:3000', 'https://shop.example'],
      nowMs: NOW,
    });
    expect(claims).toEqual({
      'aws:channel-arn': CHANNEL,
      'aws:access-control-allow-origin': 'https://shop.example,http://127.0.0.1:3000',
      exp: NOW / 1000 + PLAYBACK_TOKEN_TTL_SECONDS,
    });
  });

  it("leaves the origin claim out when no origin is given, and cuts a viewer id to IVS's 40 characters", () => {
    const claims = playbackClaims(CHANNEL, { nowMs: NOW, ttlSeconds: 60, viewerId: 'u'.repeat(50) });
    expect(claims).not.toHaveProperty('aws:access-control-allow-origin');
    expect(claims.exp).toBe(NOW / 1000 + 60);
    expect(claims['aws:viewer-id']).toHaveLength(40);
  });

  it('is a three-part JWT with header {alg: ES384, typ: JWT} and a 96-byte raw r||s signature', () => {
    const token = signPlaybackToken(playbackClaims(CHANNEL, { nowMs: NOW }), keys.privateKeyPem);
    const [head, body, sig] = token.split('.') as [string, string, string];
    expect(decode(head)).toEqual({ alg: 'ES384', typ: 'JWT' });
    expect(decode(body)['aws:channel-arn']).toBe(CHANNEL);
    expect(Buffer.from(sig, 'base64url')).toHaveLength(96);
  });
});

describe('verifying a playback token', () => {
  const token = signPlaybackToken(
    playbackClaims(CHANNEL, { origins: ['https://shop.example'], nowMs: NOW }),
    keys.privateKeyPem,
  );

  it('accepts the token for its channel until exp, with the public key derived from the private one', () => {
    expect(publicKeyOf(keys.privateKeyPem)).toBe(keys.publicKeyPem);
    expect(verifyPlaybackToken(token, CHANNEL, [keys.publicKeyPem], { nowMs: NOW + 1000 }).ok).toBe(true);
    expect(
      verifyPlaybackToken(token, CHANNEL, [keys.publicKeyPem], { nowMs: NOW + (PLAYBACK_TOKEN_TTL_SECONDS - 1) * 1000 })
        .ok,
    ).toBe(true);
  });

  it.each([
    ['missing', undefined, CHANNEL, NOW, 'MISSING'],
    ['expired at exp', token, CHANNEL, NOW + PLAYBACK_TOKEN_TTL_SECONDS * 1000, 'EXPIRED'],
    ['for another channel', token, OTHER, NOW, 'WRONG_CHANNEL'],
    ['not a JWT', 'abc.def', CHANNEL, NOW, 'MALFORMED'],
  ] as const)('refuses a token %s', (_name, t, channel, nowMs, reason) => {
    expect(verifyPlaybackToken(t, channel, [keys.publicKeyPem], { nowMs })).toEqual({ ok: false, reason });
  });

  it('refuses a tampered payload (another channel put in) and a token signed by a key not imported', () => {
    const [head, , sig] = token.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ 'aws:channel-arn': OTHER, exp: NOW / 1000 + 3600 })).toString('base64url')}.${sig}`;
    expect(verifyPlaybackToken(forged, OTHER, [keys.publicKeyPem], { nowMs: NOW })).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
    const stranger = signPlaybackToken(playbackClaims(CHANNEL, { nowMs: NOW }), newPlaybackKeyPair().privateKeyPem);
    expect(verifyPlaybackToken(stranger, CHANNEL, [keys.publicKeyPem], { nowMs: NOW })).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('refuses alg none (an unsigned token) even with the right claims', () => {
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${token.split('.')[1]}.`;
    expect(verifyPlaybackToken(none, CHANNEL, [keys.publicKeyPem], { nowMs: NOW })).toEqual({
      ok: false,
      reason: 'MALFORMED',
    });
  });

  it('checks the origin of a browser request against aws:access-control-allow-origin; a request without Origin passes', () => {
    expect(
      verifyPlaybackToken(token, CHANNEL, [keys.publicKeyPem], { nowMs: NOW, origin: 'https://evil.example' }),
    ).toEqual({ ok: false, reason: 'ORIGIN_NOT_ALLOWED' });
    expect(
      verifyPlaybackToken(token, CHANNEL, [keys.publicKeyPem], { nowMs: NOW, origin: 'https://shop.example' }).ok,
    ).toBe(true);
    expect(verifyPlaybackToken(token, CHANNEL, [keys.publicKeyPem], { nowMs: NOW }).ok).toBe(true);
  });

  it('matches wildcard origins on the hostname only', () => {
    expect(originAllowed('https://*.shop.example', 'https://eu.shop.example')).toBe(true);
    expect(originAllowed('https://*.shop.example', 'http://eu.shop.example')).toBe(false);
    expect(originAllowed('https://*.shop.example', 'https://shop.example.evil')).toBe(false);
  });
});
