import type { StreamHealth } from '../../lib/types';

/** Masks a stream key, keeping the last 4 characters so the streamer can tell keys apart. */
/**
 * The ingest server to show: the deployment's own (rtmps://<ingest>:443/app/ from IVS), unless the
 * runtime config names another (the local mode's rtmp://127.0.0.1:1935/app/).
 */
export function withIngestServer<K extends { ingestServer: string; streamKey: string; url: string }>(
  key: K,
  override: string | undefined,
): K {
  if (!override) return key;
  return { ...key, ingestServer: override, url: `${override}${key.streamKey}` };
}

export function maskKey(key: string): string {
  if (key.length <= 4) return '•'.repeat(key.length);
  return `${'•'.repeat(Math.min(24, key.length - 4))}${key.slice(-4)}`;
}

/** Live status shown in the control room, derived from the profile and the last health sample. */
export type LiveStatus = 'offline' | 'live' | 'ended';

/** offline before the first stream of this session, live while LIVE, ended after a LIVE → OFFLINE transition. */
export function nextStatus(prev: LiveStatus, status: 'LIVE' | 'OFFLINE'): LiveStatus {
  if (status === 'LIVE') return 'live';
  return prev === 'live' || prev === 'ended' ? 'ended' : 'offline';
}

/** The stream's phase as the control room shows it: Preview → Live → Ended (offline before the first stream). */
export type StreamPhase = 'offline' | 'preview' | 'live' | 'ended';

/** A live stream still in Preview is `preview`; otherwise the live status. */
export function streamPhase(status: LiveStatus, inPreview: boolean): StreamPhase {
  return status === 'live' && inPreview ? 'preview' : status;
}

/** Builds an SVG polyline `points` string for a series scaled into width × height (max at top). */
export function sparkline(values: number[], width: number, height: number, max?: number): string {
  if (!values.length) return '';
  const top = max ?? Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - (Math.min(v, top) / top) * height).toFixed(1)}`)
    .join(' ');
}

/** Keeps the latest `max` health samples in time order, deduplicated by timestamp. */
export function mergeHealth(list: StreamHealth[], add: StreamHealth[], max = 60): StreamHealth[] {
  const byAt = new Map(list.map((h) => [h.at, h]));
  for (const h of add) byAt.set(h.at, h);
  return [...byAt.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).slice(-max);
}

/** Samples of the newest stream only: the channel's history also holds earlier streams' samples. */
export function currentStreamSamples(samples: readonly StreamHealth[]): StreamHealth[] {
  const streamId = samples.at(-1)?.streamId;
  return streamId ? samples.filter((h) => h.streamId === streamId) : [];
}

/** The panel's figures: the latest sample while live, nothing once the stream has ended or before it starts. */
export function healthFigures(
  samples: readonly StreamHealth[],
  status: LiveStatus,
): { viewers: number | null; peak: number | null; bitrate: number | null; frameRate: number | null } {
  const last = status === 'live' ? currentStreamSamples(samples).at(-1) : undefined;
  return {
    viewers: last?.viewerCount ?? null,
    peak: last?.peakViewers ?? null,
    bitrate: last?.bitrate ?? null,
    frameRate: last?.frameRate ?? null,
  };
}

/** What the health events IVS reports mean to a streamer (names from IVS stream events). */
const EVENT_HELP: Record<string, string> = {
  'Starvation Start': 'IVS stopped receiving video from your encoder: check your upload and OBS.',
  'Starvation End': 'IVS is receiving video again.',
  'Stream Failure': 'IVS could not process the stream.',
  'Stream Takeover': 'Another encoder took over this stream.',
  'Stream Takeover Failure': 'Another encoder tried to take over this stream and was refused.',
  'Session Ended': 'Your encoder disconnected.',
  'Stream End': 'IVS stopped producing video for viewers.',
};

/** The health events of the current stream, each once, in the order first reported, with a plain explanation. */
export function healthEvents(samples: readonly StreamHealth[]): { name: string; firstAt: string; help: string }[] {
  const seen = new Map<string, string>();
  for (const h of currentStreamSamples(samples))
    for (const name of h.events ?? []) if (!seen.has(name)) seen.set(name, h.at);
  return [...seen].map(([name, firstAt]) => ({
    name,
    firstAt,
    help: Object.hasOwn(EVENT_HELP, name)
      ? (EVENT_HELP[name] as string)
      : name.startsWith('Health ')
        ? "IVS rates the stream's health below healthy."
        : '',
  }));
}

/** How often the control room refreshes stream health while it is open. */
export const HEALTH_REFRESH_MS = 5_000;

/** Recommended OBS settings for IVS low-latency ingest. */
export const OBS_SETTINGS = [
  ['Output mode', 'Advanced'],
  ['Encoder', 'x264 (or NVENC/QuickSync H.264)'],
  ['Rate control', 'CBR'],
  ['Bitrate', '3500 Kbps for 720p30 (6000 Kbps for 1080p30 on a STANDARD channel)'],
  ['Keyframe interval', '2 s'],
  ['CPU usage preset', 'veryfast'],
  ['Tune', 'zerolatency'],
  ['Profile', 'main (no B-frames: x264 options bframes=0)'],
  ['Resolution / FPS', '1280×720 at 30 fps'],
  ['Audio', 'AAC 160 Kbps, 48 kHz stereo'],
] as const;
