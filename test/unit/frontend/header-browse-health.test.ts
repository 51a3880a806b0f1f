import { describe, expect, it } from 'vitest';
import type { Notification, Recording, StreamHealth } from '../../../frontend/src/lib/types';
import { badgeText, bellLabel, mergeNotification, unreadCount } from '../../../frontend/src/features/alerts/alerts';
import { REPLAY_CHECK_DELAYS_MS, hasReplayOf } from '../../../frontend/src/features/browse/browse';
import {
  HEALTH_REFRESH_MS,
  currentStreamSamples,
  healthEvents,
  healthFigures,
} from '../../../frontend/src/features/studio/studio';

const note = (id: string, o: Partial<Notification> = {}): Notification => ({
  notificationId: id,
  userId: 'u',
  kind: 'GO_LIVE',
  title: id,
  createdAt: '2026-06-01T12:00:00Z',
  read: false,
  ...o,
});
const sample = (at: string, o: Partial<StreamHealth> = {}): StreamHealth => ({
  channelId: 'c',
  streamId: 'st-2',
  at,
  viewerCount: 1,
  peakViewers: 4,
  bitrate: 2_660_000,
  frameRate: 30,
  events: [],
  ...o,
});

describe('alert bell (features/alerts/alerts.ts)', () => {
  it('counts unread, a redelivered push counts once, newest first', () => {
    let list = [note('a', { read: true }), note('b')];
    expect(unreadCount(list)).toBe(1);
    list = mergeNotification(list, note('c', { createdAt: '2026-06-01T12:05:00Z' }));
    list = mergeNotification(list, note('c', { createdAt: '2026-06-01T12:05:00Z' }));
    expect(unreadCount(list)).toBe(2);
    expect(list[0]?.notificationId).toBe('c');
  });

  it('badge and label', () => {
    expect(badgeText(0)).toBe('');
    expect(badgeText(7)).toBe('7');
    expect(badgeText(120)).toBe('99+');
    expect(bellLabel(0)).toBe('Notifications');
    expect(bellLabel(3)).toBe('Notifications, 3 unread');
  });
});

describe('replays on browse (features/browse/browse.ts)', () => {
  const rec = (o: Partial<Recording>): Recording => ({
    recordingId: 'r',
    userId: 'u-ben',
    state: 'AVAILABLE',
    startedAt: '2026-06-01T10:00:00Z',
    endedAt: '2026-06-01T11:00:00Z',
    saleCount: 0,
    ...o,
  });
  it("knows when the ended stream's replay is listed", () => {
    expect(hasReplayOf([rec({ streamId: 'st-1' })], { channelId: 'u-ben', streamId: 'st-9' })).toBe(false);
    expect(hasReplayOf([rec({ streamId: 'st-9' })], { channelId: 'u-ben', streamId: 'st-9' })).toBe(true);
    // Without a stream id: the channel's recording that ended with the stream, not an older one.
    expect(hasReplayOf([rec({})], { channelId: 'u-ben', at: '2026-06-01T14:00:00Z' })).toBe(false);
    expect(
      hasReplayOf([rec({ endedAt: '2026-06-01T13:59:30Z' })], { channelId: 'u-ben', at: '2026-06-01T14:00:00Z' }),
    ).toBe(true);
    expect(
      hasReplayOf([rec({ endedAt: '2026-06-01T13:59:30Z' })], { channelId: 'u-other', at: '2026-06-01T14:00:00Z' }),
    ).toBe(false);
  });
  it('keeps looking for about a minute', () => {
    expect(REPLAY_CHECK_DELAYS_MS.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(60_000);
  });
});

describe('studio health (features/studio/studio.ts)', () => {
  const samples = [
    sample('2026-06-01T11:00:00Z', { streamId: 'st-1', events: ['Starvation Start'] }),
    sample('2026-06-01T12:00:00Z', { events: ['Starvation Start'] }),
    sample('2026-06-01T12:00:10Z', { events: ['Starvation Start', 'Starvation End'] }),
  ];
  it('refreshes every 5 s', () => expect(HEALTH_REFRESH_MS).toBe(5_000));
  it('figures come from the newest stream while live and are blank once it ended', () => {
    expect(currentStreamSamples(samples)).toHaveLength(2);
    expect(healthFigures(samples, 'live')).toEqual({ viewers: 1, peak: 4, bitrate: 2_660_000, frameRate: 30 });
    expect(healthFigures(samples, 'ended')).toEqual({ viewers: null, peak: null, bitrate: null, frameRate: null });
    expect(healthFigures(samples, 'offline').bitrate).toBeNull();
  });
  it('lists each IVS health event of the current stream once, first-seen time, explained', () => {
    const ev = healthEvents(samples);
    expect(ev.map((e) => [e.name, e.firstAt])).toEqual([
      ['Starvation Start', '2026-06-01T12:00:00Z'],
      ['Starvation End', '2026-06-01T12:00:10Z'],
    ]);
    expect(ev[0]?.help).toMatch(/stopped receiving video/);
    expect(healthEvents([sample('2026-06-01T12:00:00Z', { events: ['constructor'] })])[0]?.help).toBe('');
  });
});
