import { describe, expect, it, vi } from 'vitest';
import {
  applyLivePolicy,
  CATCH_UP_ABOVE_SECONDS,
  CATCH_UP_KEEP_SECONDS,
  CATCH_UP_SETTLE_MS,
  CATCH_UP_WINDOW_MS,
  LIVE_INITIAL_BUFFER_SECONDS,
  liveCatchUp,
} from '../../../frontend/src/features/watch/player-policy';

describe('applyLivePolicy', () => {
  it('turns on low-latency playback and starts after half a second of media', () => {
    const player = { setLiveLowLatencyEnabled: vi.fn(), setInitialBufferDuration: vi.fn() };
    applyLivePolicy(player);
    expect(player.setLiveLowLatencyEnabled).toHaveBeenCalledWith(true);
    expect(player.setInitialBufferDuration).toHaveBeenCalledWith(LIVE_INITIAL_BUFFER_SECONDS);
    expect(LIVE_INITIAL_BUFFER_SECONDS).toBe(0.5);
  });

  it('keeps low latency off when the runtime config turns it off', () => {
    const player = { setLiveLowLatencyEnabled: vi.fn(), setInitialBufferDuration: vi.fn() };
    applyLivePolicy(player, false);
    expect(player.setLiveLowLatencyEnabled).toHaveBeenCalledWith(false);
  });
});

describe('liveCatchUp', () => {
  const t0 = 1_000_000;
  const playing = (at: number, ahead: number) => ({ playing: true, ahead, at });

  it('skips to CATCH_UP_KEEP_SECONDS short of the buffered end once the start has settled, and only once', () => {
    const c = liveCatchUp();
    c.arm();
    expect(c.decide(playing(t0, 3))).toBeNull();
    expect(c.decide(playing(t0 + CATCH_UP_SETTLE_MS - 1, 3))).toBeNull();
    expect(c.decide(playing(t0 + CATCH_UP_SETTLE_MS, 3))).toBeCloseTo(3 - CATCH_UP_KEEP_SECONDS);
    expect(c.decide(playing(t0 + CATCH_UP_SETTLE_MS + 500, 3))).toBeNull();
  });

  it('leaves a playhead that is already close to the buffered end alone', () => {
    const c = liveCatchUp();
    c.arm();
    for (let t = 0; t <= CATCH_UP_WINDOW_MS; t += 500)
      expect(c.decide(playing(t0 + t, CATCH_UP_ABOVE_SECONDS))).toBeNull();
  });

  it('disarms when the window passes, so a buffer that grows later is not skipped', () => {
    const c = liveCatchUp();
    c.arm();
    for (let t = 0; t <= CATCH_UP_WINDOW_MS; t += 500) c.decide(playing(t0 + t, 1));
    expect(c.decide(playing(t0 + CATCH_UP_WINDOW_MS + 500, 4))).toBeNull();
  });

  it('does nothing until armed, and again after the next arm (a rebuffer)', () => {
    const c = liveCatchUp();
    expect(c.decide(playing(t0, 4))).toBeNull();
    expect(c.decide(playing(t0 + 5000, 4))).toBeNull();
    c.arm();
    expect(c.decide(playing(t0 + 6000, 4))).toBeNull();
    expect(c.decide(playing(t0 + 7000, 4))).toBeCloseTo(4 - CATCH_UP_KEEP_SECONDS);
  });

  it('counts the settle time from playing, not from buffering', () => {
    const c = liveCatchUp();
    c.arm();
    expect(c.decide({ playing: false, ahead: 3, at: t0 })).toBeNull();
    expect(c.decide({ playing: false, ahead: 3, at: t0 + 5000 })).toBeNull();
    expect(c.decide(playing(t0 + 5100, 3))).toBeNull();
    expect(c.decide(playing(t0 + 5100 + CATCH_UP_SETTLE_MS, 3))).toBeCloseTo(3 - CATCH_UP_KEEP_SECONDS);
  });

  it('never skips after the viewer paused (Go live is their way back)', () => {
    const c = liveCatchUp();
    c.arm();
    c.disarm();
    expect(c.decide(playing(t0, 8))).toBeNull();
    expect(c.decide(playing(t0 + CATCH_UP_SETTLE_MS, 8))).toBeNull();
  });

  it('ignores a buffer length the player cannot give', () => {
    const c = liveCatchUp();
    c.arm();
    expect(c.decide(playing(t0, Number.NaN))).toBeNull();
    expect(c.decide(playing(t0 + CATCH_UP_SETTLE_MS, Number.NaN))).toBeNull();
  });
});

describe('liveCatchUp after a rebuffer', () => {
  const t0 = 2_000_000;
  it('arms on a rebuffer, but not on the buffering its own seek causes', () => {
    const c = liveCatchUp();
    c.arm();
    expect(c.decide({ playing: true, ahead: 3, at: t0 })).toBeNull();
    const skip = c.decide({ playing: true, ahead: 3, at: t0 + CATCH_UP_SETTLE_MS });
    expect(skip).not.toBeNull();
    c.buffering(t0 + CATCH_UP_SETTLE_MS + 100);
    expect(c.decide({ playing: true, ahead: 3, at: t0 + 3 * CATCH_UP_SETTLE_MS })).toBeNull();
    c.buffering(t0 + 60_000);
    expect(c.decide({ playing: true, ahead: 3.5, at: t0 + 60_500 })).toBeNull();
    expect(c.decide({ playing: true, ahead: 3.5, at: t0 + 60_500 + CATCH_UP_SETTLE_MS })).toBeCloseTo(
      3.5 - CATCH_UP_KEEP_SECONDS,
    );
  });
});
