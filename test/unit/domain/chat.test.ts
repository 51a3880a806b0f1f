import { describe, expect, it } from 'vitest';
import {
  blockedWordsPattern,
  capabilitiesFor,
  effectiveCooldownSeconds,
  reviewContent,
  reviewMember,
  roleOf,
  validateSettings,
  type ChatSettings,
} from '../../../lambdas/shared/domain/chat';

const settings = (over: Partial<ChatSettings> = {}): ChatSettings => ({
  channelId: 'c1',
  slowModeSeconds: 0,
  blockedWords: [],
  blockedWordsAction: 'MASK',
  maxMessageLength: 500,
  ...over,
});

describe('chat roles and capabilities', () => {
  it('gives viewers send only, streamer and moderators delete and disconnect, guests nothing', () => {
    expect(roleOf('c1', 'c1', false)).toBe('STREAMER');
    expect(roleOf('u2', 'c1', true)).toBe('MODERATOR');
    expect(roleOf('u3', 'c1', false)).toBe('VIEWER');
    expect(capabilitiesFor('VIEWER')).toEqual(['SEND_MESSAGE']);
    expect(capabilitiesFor('MODERATOR')).toEqual(['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER']);
    expect(capabilitiesFor('STREAMER')).toEqual(['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER']);
    expect(capabilitiesFor('GUEST')).toEqual([]);
    // A running timeout takes away sending only: IVS Chat refuses the messages itself.
    expect(capabilitiesFor('VIEWER', { timedOut: true })).toEqual([]);
    expect(capabilitiesFor('MODERATOR', { timedOut: true })).toEqual(['DELETE_MESSAGE', 'DISCONNECT_USER']);
    expect(capabilitiesFor('VIEWER', { timedOut: false })).toEqual(['SEND_MESSAGE']);
  });
});

describe('reviewContent', () => {
  it('denies empty and over-long messages with a reason', () => {
    expect(reviewContent('   ', settings(), undefined)).toMatchObject({ result: 'DENY', code: 'EMPTY' });
    expect(reviewContent('x'.repeat(21), settings({ maxMessageLength: 20 }), undefined)).toMatchObject({
      result: 'DENY',
      code: 'TOO_LONG',
      reason: 'Messages can be at most 20 characters.',
    });
    expect(reviewContent('x'.repeat(20), settings({ maxMessageLength: 20 }), undefined)).toEqual({
      result: 'ALLOW',
      content: 'x'.repeat(20),
    });
  });
  it('masks whole blocked words case-insensitively, keeping other words', () => {
    const p = blockedWordsPattern(['scam', 'fake deal']);
    expect(reviewContent('This is a SCAM, a Fake Deal! scammer ok', settings(), p)).toEqual({
      result: 'ALLOW',
      content: 'This is a ****, a *********! scammer ok',
    });
  });
  it('denies instead of masking when the room says DENY', () => {
    const p = blockedWordsPattern(['scam']);
    expect(reviewContent('total scam', settings({ blockedWordsAction: 'DENY' }), p)).toMatchObject({
      result: 'DENY',
      code: 'BLOCKED_WORD',
    });
  });
  it('treats regex characters in blocked words literally', () => {
    const p = blockedWordsPattern(['a.b']);
    expect(reviewContent('axb', settings({ blockedWordsAction: 'DENY' }), p)).toEqual({
      result: 'ALLOW',
      content: 'axb',
    });
    expect(reviewContent('a.b', settings({ blockedWordsAction: 'DENY' }), p)).toMatchObject({ result: 'DENY' });
  });
});

describe('reviewMember and cooldown', () => {
  const now = new Date('2026-01-01T12:00:00.000Z');
  it('denies banned and timed-out senders', () => {
    expect(reviewMember({ bannedAt: '2025-12-01T00:00:00.000Z' }, now, 0)).toMatchObject({ code: 'BANNED' });
    expect(reviewMember({ timeoutUntil: '2026-01-01T12:00:30.000Z' }, now, 0)).toMatchObject({
      code: 'TIMED_OUT',
      retryAfterSeconds: 30,
    });
    expect(reviewMember({ timeoutUntil: '2026-01-01T11:59:59.000Z' }, now, 0)).toBeUndefined();
  });
  it('applies slow mode from the last message time', () => {
    expect(reviewMember({ lastMessageAt: '2026-01-01T11:59:55.000Z' }, now, 10)).toMatchObject({
      code: 'SLOW_MODE',
      retryAfterSeconds: 5,
    });
    expect(reviewMember({ lastMessageAt: '2026-01-01T11:59:50.000Z' }, now, 10)).toBeUndefined();
  });
  it('switches slow mode on automatically above the viewer threshold', () => {
    const s = settings({ slowModeSeconds: 2, autoSlowModeViewerThreshold: 1000, autoSlowModeSeconds: 15 });
    expect(effectiveCooldownSeconds(s, 999)).toBe(2);
    expect(effectiveCooldownSeconds(s, 1000)).toBe(15);
  });
});

describe('validateSettings', () => {
  it('normalizes blocked words and rejects out-of-range values', () => {
    expect(validateSettings({ blockedWords: [' Scam ', 'scam', ''], slowModeSeconds: 5 })).toEqual({
      blockedWords: ['scam'],
      slowModeSeconds: 5,
    });
    expect(() => validateSettings({ slowModeSeconds: 301 })).toThrow(
      'The value of slowModeSeconds must be a whole number from 0 to 300.',
    );
    expect(() => validateSettings({ pinnedMessage: 'x'.repeat(201) })).toThrow('at most 200 characters');
    expect(validateSettings({ pinnedMessage: '  ' })).toEqual({ pinnedMessage: null });
  });
});
