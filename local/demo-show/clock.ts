/**
 * The demo's test pattern: ffmpeg's testsrc2 and a tone, with the wall clock of the moment each
 * frame was encoded drawn onto the picture (drawtext, to the millisecond), so a viewer who compares
 * it with their own clock reads the live latency off the screen.
 */
import { spawnSync } from 'node:child_process';

/** How the pattern is encoded. */
export interface TestPattern {
  /** WIDTHxHEIGHT. */
  readonly size: string;
  readonly fps: number;
  /** Keyframe interval in seconds: the local IVS copies 0.5 s GOPs into 0.5 s segments without re-encoding. */
  readonly keyframeSeconds: number;
  readonly videoKbps: number;
  /** Stop after this many seconds. @default until stopped */
  readonly seconds?: number;
  /** Draw the clock. @default true */
  readonly clock?: boolean;
}

/**
 * The drawtext filter writing "sent HH:MM:SS.mmm" (local time, as the viewer's clock shows it) in the
 * lower left corner, sized to the picture. `%3N` is drawtext's milliseconds.
 */
export function clockFilter(height: number): string {
  const fontSize = Math.max(14, Math.round(height / 16));
  return (
    String.raw`drawtext=font=monospace:text='sent %{localtime\:%H\\\:%M\\\:%S.%3N}':fontsize=` +
    fontSize +
    `:fontcolor=white:box=1:boxcolor=black@0.65:boxborderw=${Math.round(fontSize / 3)}:x=${Math.round(fontSize * 0.8)}:y=h-th-${Math.round(fontSize * 1.2)}`
  );
}

/** ffmpeg arguments for the pattern, up to (not including) the output: append `-f flv <rtmp url>`. */
export function testPatternArgs(p: TestPattern): string[] {
  const height = Number(p.size.split('x')[1] ?? 360);
  const gop = String(Math.max(1, Math.round(p.fps * p.keyframeSeconds)));
  return [
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${p.size}:rate=${p.fps}`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440',
    ...(p.seconds ? ['-t', String(p.seconds)] : []),
    ...(p.clock === false ? [] : ['-vf', clockFilter(height)]),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-g',
    gop,
    '-keyint_min',
    gop,
    '-b:v',
    `${p.videoKbps}k`,
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
  ];
}

let drawtext: boolean | undefined;

/**
 * Whether this ffmpeg can draw the clock: it needs drawtext (libfreetype) and a monospace font from
 * fontconfig. Tried once on one frame (about 0.1 s); without it the pattern goes out without the clock.
 */
export function canDrawClock(): boolean {
  drawtext ??=
    spawnSync(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'color=size=64x64:rate=1',
        '-frames:v',
        '1',
        '-vf',
        clockFilter(64),
        '-f',
        'null',
        '-',
      ],
      { stdio: 'ignore', timeout: 10_000 },
    ).status === 0;
  return drawtext;
}
