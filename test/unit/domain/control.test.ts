import { describe, expect, it } from 'vitest';
import {
  chunk,
  emailOptInIndexKeys,
  goLiveMessage,
  goLiveNotificationId,
  mapLimit,
  newUnsubscribeToken,
  unsubscribeTokenMatches,
  unsubscribeUrl,
} from '../../../lambdas/shared/domain/alerts';
import { clampLimit, decodeToken, encodeToken } from '../../../lambdas/shared/domain/follows';
import { handleSchema } from '../../../lambdas/shared/domain/handles';
import { scheduleInputSchema } from '../../../lambdas/shared/domain/schedule';
import { healthNotes, isNotOlder, milestonesCrossed, transitionFor } from '../../../lambdas/shared/domain/stream-state';
import {
  mayStartRun,
  nextProvisioningStep,
  ownedBy,
  normalizeDetails,
  resourceName,
  streamDetailsSchema,
  streamKeyView,
} from '../../../lambdas/shared/domain/streamers';
import { handleKey } from '../../../lambdas/shared/domain/keys';

describe('streamers', () => {
  it('builds the OBS URL from the ingest endpoint', () => {
    expect(streamKeyView('abc.global-contribute.live-video.net', 'sk_x', 't')).toEqual({
      ingestServer: 'rtmps://abc.global-contribute.live-video.net:443/app/',
      streamKey: 'sk_x',
      url: 'rtmps://abc.global-contribute.live-video.net:443/app/sk_x',
      createdAt: 't',
    });
  });
  it('walks provisioning steps in order', () => {
    expect(nextProvisioningStep({ userId: 'u', handle: 'h' })).toBe('CHANNEL');
    expect(
      nextProvisioningStep({ userId: 'u', handle: 'h', channelArn: 'c', ingestEndpoint: 'i', playbackUrl: 'p' }),
    ).toBe('STREAM_KEY');
    expect(
      nextProvisioningStep({
        userId: 'u',
        handle: 'h',
        channelArn: 'c',
        ingestEndpoint: 'i',
        playbackUrl: 'p',
        streamKeyArn: 'k',
      }),
    ).toBe('CHAT_ROOM');
    expect(
      nextProvisioningStep({
        userId: 'u',
        handle: 'h',
        channelArn: 'c',
        ingestEndpoint: 'i',
        playbackUrl: 'p',
        streamKeyArn: 'k',
        chatRoomArn: 'r',
      }),
    ).toBe('PROFILE');
  });
  it('makes IVS-safe deterministic names', () => {
    expect(resourceName('live shop', 'a:b')).toBe('live-shop-a-b');
    expect(resourceName('x', 'y'.repeat(200))).toHaveLength(128);
  });
  it('validates stream details and normalises tags', () => {
    expect(streamDetailsSchema.safeParse({ title: 'x'.repeat(141) }).success).toBe(false);
    expect(streamDetailsSchema.safeParse({ thumbnailUrl: 'javascript:alert(1)' }).success).toBe(false);
    expect(streamDetailsSchema.safeParse({ unknown: 1 }).success).toBe(false);
    expect(normalizeDetails(streamDetailsSchema.parse({ tags: ['Sneakers', 'sneakers', 'Retro'] })).tags).toEqual([
      'sneakers',
      'retro',
    ]);
  });
});

describe('handles', () => {
  it('accepts sensible handles and keys them case-insensitively', () => {
    expect(handleSchema.safeParse('Ann_Sells').success).toBe(true);
    expect(handleSchema.safeParse('ab').success).toBe(false);
    expect(handleSchema.safeParse('.ann').success).toBe(false);
    expect(handleSchema.safeParse('ann sells').success).toBe(false);
    expect(handleKey('Ann_Sells')).toEqual({ PK: 'HANDLE#ann_sells', SK: 'HANDLE' });
  });
});

describe('stream state', () => {
  it('maps IVS event names to transitions', () => {
    expect(transitionFor('Stream Start')).toBe('START');
    expect(transitionFor('Session Created')).toBe('START');
    expect(transitionFor('Stream End')).toBe('END');
    expect(transitionFor('Session Ended')).toBe('END');
    expect(transitionFor('Stream Failure')).toBe('IGNORE');
  });
  it('orders by event time', () => {
    expect(isNotOlder('2025-01-01T00:00:01Z', '2025-01-01T00:00:00Z')).toBe(true);
    expect(isNotOlder('2025-01-01T00:00:00Z', '2025-01-01T00:00:01Z')).toBe(false);
    expect(isNotOlder('2025-01-01T00:00:00Z', undefined)).toBe(true);
  });
  it('finds milestones crossed, each once', () => {
    expect(milestonesCrossed(0, 99)).toEqual([]);
    expect(milestonesCrossed(99, 100)).toEqual([100]);
    expect(milestonesCrossed(50, 12_000)).toEqual([100, 1_000, 10_000]);
    expect(milestonesCrossed(1_500, 9_000)).toEqual([]);
  });
  it('keeps health-relevant IVS events', () => {
    expect(
      healthNotes([{ name: 'Session Created' }, { name: 'Starvation Start' }, { name: 'Starvation Start' }]),
    ).toEqual(['Starvation Start']);
  });
});

describe('alerts', () => {
  it('go-live notification ids have the platform format and are stable per (stream, follower)', () => {
    expect(goLiveNotificationId('st-1', 'u1')).toBe(goLiveNotificationId('st-1', 'u1'));
    expect(goLiveNotificationId('st-1', 'u1')).not.toBe(goLiveNotificationId('st-2', 'u1'));
    expect(goLiveNotificationId('st-1', 'u1')).toMatch(/^ntf_[0-9A-HJKMNP-TV-Z]{20}$/);
  });
  it("prefers the streamer's going-live message and links to the profile", () => {
    expect(goLiveMessage({ handle: 'ann', webUrl: 'https://x.io/', goingLiveMessage: ' Drop at 8 ' })).toEqual({
      subject: 'ann is live',
      body: 'Drop at 8',
      link: 'https://x.io/s/ann',
    });
    expect(goLiveMessage({ handle: 'ann', displayName: 'Ann', title: 'Sneakers', webUrl: 'https://x.io' }).body).toBe(
      'Ann is live: Sneakers',
    );
  });
  it('email opt-ins: one sparse partition per streamer, unguessable tokens compared exactly, links carrying them', () => {
    expect(emailOptInIndexKeys('s1', 'u1')).toEqual({ GSI2PK: 'USER#s1#EMAIL_ALERTS', GSI2SK: 'u1' });
    const token = newUnsubscribeToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newUnsubscribeToken()).not.toBe(token);
    expect(unsubscribeTokenMatches(token, token)).toBe(true);
    expect(unsubscribeTokenMatches(token, `${token.slice(0, -1)}x`)).toBe(token.endsWith('x'));
    expect(unsubscribeTokenMatches(token, token.slice(1))).toBe(false);
    expect(unsubscribeTokenMatches(undefined, token)).toBe(false);
    expect(unsubscribeUrl('https://u.example/', 'u 1', 's&1', 'tok')).toBe('https://u.example/?u=u+1&s=s%261&t=tok');
  });
  it('chunking and bounded concurrency', async () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
  });
});

describe('follows paging and schedule', () => {
  it('round-trips paging tokens and clamps limits', () => {
    const key = { PK: 'USER#a', SK: 'FOLLOWS#b' };
    expect(decodeToken(encodeToken(key))).toEqual(key);
    expect(decodeToken('%%%')).toBeUndefined();
    expect(clampLimit(500)).toBe(100);
    expect(clampLimit(null)).toBe(20);
  });
  it('accepts a future start within 180 days only', () => {
    const now = new Date('2025-06-01T00:00:00Z');
    const schema = scheduleInputSchema(now);
    expect(schema.safeParse({ title: 'Show', startsAt: '2025-06-02T18:00:00Z' }).success).toBe(true);
    expect(schema.safeParse({ title: 'Show', startsAt: '2025-05-31T18:00:00Z' }).success).toBe(false);
    expect(schema.safeParse({ title: 'Show', startsAt: '2026-06-02T18:00:00Z' }).success).toBe(false);
    expect(schema.safeParse({ title: '', startsAt: '2025-06-02T18:00:00Z' }).success).toBe(false);
  });
});

describe('provisioning lease and ownership', () => {
  const now = 1_000_000;
  it('lets a run start only when nothing runs: no record, FAILED, or a lapsed lease', () => {
    expect(mayStartRun(undefined, now)).toBe(true);
    expect(mayStartRun({ status: 'FAILED', leaseUntil: 0 }, now)).toBe(true);
    expect(mayStartRun({ status: 'PROVISIONING', leaseId: 'l', leaseUntil: now }, now)).toBe(true);
    expect(mayStartRun({ status: 'PROVISIONING', leaseId: 'l', leaseUntil: now + 1 }, now)).toBe(false);
    expect(mayStartRun({ status: 'READY', leaseUntil: 0 }, now)).toBe(false);
  });

  it("adopts a resource only with this owner's and this platform's tags", () => {
    expect(ownedBy({ owner: 'u1', platform: 'lvs-dev' }, 'u1', 'lvs-dev')).toBe(true);
    expect(ownedBy({ owner: 'u2', platform: 'lvs-dev' }, 'u1', 'lvs-dev')).toBe(false);
    expect(ownedBy({ owner: 'u1', platform: 'lvs-prod' }, 'u1', 'lvs-dev')).toBe(false);
    expect(ownedBy(undefined, 'u1', 'lvs-dev')).toBe(false);
  });
});
