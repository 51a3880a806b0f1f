/** Shared helpers for the local IVS tests and the ingest latency bench: an ffmpeg publisher and polling. */
import { spawn, type ChildProcess } from 'node:child_process';
import { firstVideoPts } from '../../../../local/ivs/id3';
import { MPEGTS_OFFSET_PTS } from '../../../../local/ivs/packaging';

/**
 * Media time (s since the publish) of a live segment's first frame: the local IVS keeps the
 * publisher's timestamps (PTS = MPEGTS_OFFSET_PTS + media time), whenever its ffmpeg joined.
 */
export async function segmentMediaStart(segmentUrl: string): Promise<number | undefined> {
  const res = await fetch(segmentUrl);
  if (!res.ok) return undefined;
  const pts = firstVideoPts(Buffer.from(await res.arrayBuffer()));
  return pts === undefined ? undefined : (pts - MPEGTS_OFFSET_PTS) / 90_000;
}

export interface Publisher {
  readonly child: ChildProcess;
  /** Resolves with ffmpeg's exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  stderr(): string;
  /** Asks ffmpeg to finish (q on stdin), then kills it if it lingers. */
  stop(): Promise<number | null>;
}

export interface PublishOptions {
  /** Burn the wall-clock time (ms since epoch) into the picture and send it as RTMP. @default false */
  readonly clock?: boolean;
  readonly size?: string;
  readonly extraArgs?: readonly string[];
}

/** Pushes a test pattern (H.264 + AAC, 1 s GOP) to an RTMP URL in real time. */
export function publish(url: string, options: PublishOptions = {}): Publisher {
  const size = options.size ?? '640x360';
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=30`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '30',
    '-keyint_min',
    '30',
    '-sc_threshold',
    '0',
    '-b:v',
    '800k',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    ...(options.extraArgs ?? []),
    '-f',
    'flv',
    url,
  ];
  const child = spawn('/usr/bin/ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    child,
    exited,
    stderr: () => err,
    async stop() {
      if (!done) {
        child.stdin?.end('q');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
