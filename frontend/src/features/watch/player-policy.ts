/**
 * How amazon-ivs-player is set up and steered for live playback. One module for the watch page
 * (Player.svelte) and the ingest-latency bench's player harness (test/integration/local/ivs/player.ts),
 * so the bench measures the latency a viewer gets, not a player left at its defaults.
 *
 * Why a catch-up: the player starts a live HLS stream some segments back from the end of the
 * playlist (three target durations, as RFC 8216 asks of clients), fills its buffer with what is
 * already there, and then plays at 1× for good: its own latency control works only on streams IVS
 * packaged. On the local IVS that left the viewer 3–5.5 s behind, at an offset set by when they
 * joined. Once playback has started (and again after a rebuffer, which adds the stall to the
 * delay), a single seek to a little short of the buffered end takes the viewer to the live edge
 * without waiting for more media.
 */
import type { MediaPlayer } from 'amazon-ivs-player';

/**
 * Media the player waits for before it starts (amazon-ivs-player's default: 1 s in low-latency mode,
 * 2 s otherwise). On 0.5 s segments, 0.5 s means the first frame after one segment instead of two to
 * five, and it changes nothing once playing.
 */
export const LIVE_INITIAL_BUFFER_SECONDS = 0.5;

/** A catch-up seek happens when the playhead is more than this far behind the newest buffered media. */
export const CATCH_UP_ABOVE_SECONDS = 1.6;

/**
 * Buffer kept ahead of the playhead after a catch-up seek: a playlist reload (about 1 s on the
 * local IVS) plus a segment download must fit in it, or the viewer sees a rebuffer instead.
 */
export const CATCH_UP_KEEP_SECONDS = 1.0;

/** Playing time after a start or rebuffer before deciding: the player is still appending what it fetched. */
export const CATCH_UP_SETTLE_MS = 1000;

/** After this much playing time without a reason to seek, the chance passes (until the next arm). */
export const CATCH_UP_WINDOW_MS = 6000;

/** Buffering this soon after a catch-up seek is the seek's own, not a rebuffer. */
export const CATCH_UP_SEEK_BUFFERING_MS = 2000;

/** The player settings the watch page uses for live streams (`lowLatency`: the runtime config's player.lowLatency). */
export function applyLivePolicy(
  player: Pick<MediaPlayer, 'setLiveLowLatencyEnabled' | 'setInitialBufferDuration'>,
  lowLatency = true,
): void {
  player.setLiveLowLatencyEnabled(lowLatency);
  player.setInitialBufferDuration(LIVE_INITIAL_BUFFER_SECONDS);
}

/** One look at live playback for the catch-up decision. */
export interface CatchUpSample {
  /** Whether the player is playing (not buffering, paused or idle). */
  readonly playing: boolean;
  /** Seconds of media buffered ahead of the playhead (the player's getBufferDuration()). */
  readonly ahead: number;
  /** Wall-clock time of the sample, milliseconds. */
  readonly at: number;
}

/** The catch-up state of one live playback (see liveCatchUp). */
export interface LiveCatchUp {
  /**
   * Allows one catch-up: call when playback (re)starts on its own, i.e. at load, at a reload and
   * when the player starts buffering while the viewer has not paused. A viewer who paused chose to
   * be behind: pausing must not arm it ("Go live" is their way back).
   */
  arm(): void;
  /**
   * The player started buffering at `at` (ms) while the viewer had not paused: a rebuffer, whose stall
   * adds to the delay, arms a catch-up; the buffering a catch-up seek itself causes does not.
   */
  buffering(at: number): void;
  /** Cancels a pending catch-up: the viewer paused. */
  disarm(): void;
  /** Seconds to skip ahead now (seek to getPosition() plus this), or null to leave the playhead alone. At most one skip per arm. */
  decide(sample: CatchUpSample): number | null;
}

/**
 * The catch-up decision for one live playback. When armed and the player has played for
 * CATCH_UP_SETTLE_MS, a playhead more than CATCH_UP_ABOVE_SECONDS behind the buffered end is moved to
 * CATCH_UP_KEEP_SECONDS before it, once; after CATCH_UP_WINDOW_MS of playing without that, it disarms.
 * The seek only moves within media already buffered, so it never waits for the network, and the
 * media it skips was published before the viewer's seek: a timed-metadata cue sent after the viewer
 * joined lies ahead of the new playhead and still fires.
 */
export function liveCatchUp(): LiveCatchUp {
  let armed = false;
  let playingSince: number | undefined;
  let skippedAt = -Infinity;
  const arm = () => {
    armed = true;
    playingSince = undefined;
  };
  return {
    arm,
    buffering(at) {
      if (at - skippedAt > CATCH_UP_SEEK_BUFFERING_MS) arm();
    },
    disarm() {
      armed = false;
    },
    decide({ playing, ahead, at }) {
      if (!armed) return null;
      if (!playing) {
        playingSince = undefined;
        return null;
      }
      playingSince ??= at;
      const played = at - playingSince;
      if (played < CATCH_UP_SETTLE_MS) return null;
      if (Number.isFinite(ahead) && ahead > CATCH_UP_ABOVE_SECONDS) {
        armed = false;
        skippedAt = at;
        return ahead - CATCH_UP_KEEP_SECONDS;
      }
      if (played >= CATCH_UP_WINDOW_MS) armed = false;
      return null;
    },
  };
}
