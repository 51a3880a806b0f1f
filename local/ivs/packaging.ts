/**
 * Live HLS packaging for the local IVS: how the ffmpeg child that pulls a publisher's RTMP stream
 * cuts it into live segments, and the fix-ups its playlists need before a player reads them.
 *
 * Latency is set by the segment length: amazon-ivs-player keeps 2.5 to 3 s buffered on this HLS
 * whatever `EXT-X-SERVER-CONTROL:HOLD-BACK` says, so 0.5 s segments play 3.3 to 3.5 s behind live
 * and 2 s ones about 8 s. With `-c copy` segments can only be cut on the publisher's keyframes, so
 * a publisher whose keyframe interval is longer than the segment length (OBS's 2 s default) is
 * re-encoded with keyframes every segment; a short one is copied (no CPU). Debian's ffmpeg 5.1
 * writes no LL-HLS parts, which is why parts are not the answer here (docs/local-ivs.md).
 */
import { spawn } from 'node:child_process';

/**
 * Offset ffmpeg's MPEG-TS muxer adds to every timestamp (twice its 0.7 s default max_delay):
 * with `-copyts`, a sample published at RTMP time t (s since the publish) has PTS (t + 1.4) * 90 kHz.
 */
export const MPEGTS_OFFSET_PTS = 126_000;

/** What the probe found out about the publisher's video. */
export interface KeyframeProbe {
  /** Seconds between the first two keyframes, or undefined when none came in time. */
  readonly keyframeInterval?: number;
  /** Whether the live rendition must be re-encoded to get segments of the wanted length. */
  readonly reencode: boolean;
  /**
   * Wall-clock time (ms) at which the publisher sent RTMP time 0: the smallest (arrival - timestamp)
   * over the packets read, so a packet that waited in node-media-server's GOP cache does not count.
   * Keeps improving for `refineMs` after the decision. Undefined when no packet was read.
   */
  readonly mediaZero: { at?: number };
}

/**
 * Reads the publisher's packets (ffprobe on the RTMP stream, which node-media-server starts at the
 * latest keyframe; `stdbuf -oL` so each packet's line arrives as it is read) until the keyframe
 * interval is known to be short enough for `segmentSeconds` (a second keyframe within it) or too long
 * (media time past it with no second keyframe). Takes at most one segment length of media; audio-only
 * streams and probe failures copy after `timeoutMs`. The publisher's first frame is sent some time
 * after the publish (an encoder starting on a loaded machine took 0.3 s), so the probe also times the
 * packets' arrival to anchor media time to the wall clock (`mediaZero`).
 */
export function probeKeyframes(
  rtmpUrl: string,
  segmentSeconds: number,
  timeoutMs = 10_000,
  refineMs = 3000,
): Promise<KeyframeProbe> {
  const limit = segmentSeconds + 0.1;
  const mediaZero: { at?: number } = {};
  return new Promise((resolve) => {
    const probe = spawn(
      'stdbuf',
      [
        '-oL',
        'ffprobe',
        '-v',
        'error',
        '-analyzeduration',
        '0',
        '-probesize',
        '32',
        '-select_streams',
        'v:0',
        '-show_entries',
        'packet=pts_time,flags',
        '-of',
        'csv=p=0',
        rtmpUrl,
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let settled = false;
    let firstKey: number | undefined;
    let pending = '';
    const stop = () => probe.kill('SIGKILL');
    const finish = (result: Omit<KeyframeProbe, 'mediaZero'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      setTimeout(stop, refineMs).unref();
      resolve({ ...result, mediaZero });
    };
    const timer = setTimeout(() => {
      finish({ reencode: firstKey !== undefined });
      stop();
    }, timeoutMs);
    probe.once('error', () => finish({ reencode: false }));
    probe.once('exit', () => finish({ reencode: firstKey !== undefined }));
    probe.stdout.on('data', (chunk: Buffer) => {
      const arrived = Date.now();
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [ptsText, flags = ''] = line.trim().split(',');
        const pts = Number(ptsText);
        if (!ptsText || !Number.isFinite(pts)) continue;
        const zero = arrived - pts * 1000;
        if (mediaZero.at === undefined || zero < mediaZero.at) mediaZero.at = zero;
        if (settled) continue;
        if (firstKey === undefined) {
          if (flags.startsWith('K')) firstKey = pts;
          continue;
        }
        if (flags.startsWith('K')) {
          const interval = pts - firstKey;
          finish({ keyframeInterval: interval, reencode: interval > limit });
        } else if (pts - firstKey > limit) finish({ reencode: true });
      }
    });
  });
}

/**
 * ffmpeg arguments of the live rendition: copied when the publisher's keyframes already fall every
 * segment, else H.264 re-encoded (x264 veryfast, zerolatency: no lookahead, no B-frames, so no
 * added delay) with a keyframe forced every `segmentSeconds`. Audio is always copied. `-copyts` (on
 * the input, see liveInputArgs) keeps the publisher's timestamps, so media time does not depend on
 * when ffmpeg joined.
 */
export function liveVideoArgs(reencode: boolean, segmentSeconds: number): string[] {
  if (!reencode) return ['-c', 'copy'];
  return [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-crf',
    '23',
    '-maxrate',
    '6000k',
    '-bufsize',
    '6000k',
    '-force_key_frames',
    `expr:gte(t,n_forced*${segmentSeconds})`,
    '-sc_threshold',
    '0',
    '-c:a',
    'copy',
  ];
}

/**
 * The live playlist as a player should read it. ffmpeg 5.1 rounds `EXT-X-TARGETDURATION` down for
 * sub-second segments (`0` for 0.5 s ones), which RFC 8216 forbids (it must be at least every
 * EXTINF rounded to the nearest integer, so at least 1).
 */
export function fixLivePlaylist(playlist: string): string {
  const longest = Math.max(0, ...[...playlist.matchAll(/^#EXTINF:([\d.]+)/gm)].map((m) => Number(m[1])));
  const target = Math.max(1, Math.round(longest));
  return playlist.replace(/^#EXT-X-TARGETDURATION:\d+$/m, (line) => {
    const written = Number(line.split(':')[1]);
    return `#EXT-X-TARGETDURATION:${Math.max(written, target)}`;
  });
}
