/**
 * HLS delivery of the local IVS: the live playlists and segments ffmpeg writes, served with IVS's
 * MIME types and CORS, with the PutMetadata cues of each segment injected as ID3 as it is served;
 * plus what the control plane reports from it (viewers, bitrate).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { listen } from '../http';
import { mediaZeroAt, type IvsContext } from './context';
import type { LiveStats } from './control-plane';
import { firstVideoPts, injectId3, ptsDiffSeconds, segmentDurations } from './id3';
import { fixLivePlaylist } from './packaging';
import { playbackAuthorizer, sessionMultivariant } from './playback-auth';

/** A viewer counts while they have fetched the live playlist within this window. */
const VIEWER_WINDOW_MS = 5_000;

const MIME: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
};

/** Viewers (by address and user agent) and bitrate of the live renditions under `hlsDir`. */
export function liveStats(hlsDir: string): LiveStats & { sawPlaylistFetch(channelId: string, who: string): void } {
  const viewers = new Map<string, Map<string, number>>();
  return {
    sawPlaylistFetch(channelId, who) {
      if (!viewers.has(channelId)) viewers.set(channelId, new Map());
      viewers.get(channelId)?.set(who, Date.now());
    },
    viewerCount(channelId) {
      const seen = viewers.get(channelId);
      if (!seen) return 0;
      const now = Date.now();
      // A playing client reloads the live playlist at least every target duration (1-2 s here), so 5 s
      // without one means it left.
      for (const [who, at] of seen) if (now - at > VIEWER_WINDOW_MS) seen.delete(who);
      return seen.size;
    },
    /** Bitrate of the live rendition: bytes of the segments in the live playlist over their durations. */
    liveBitrateKbps(channelId) {
      const dir = join(hlsDir, channelId);
      const playlistPath = join(dir, 'index.m3u8');
      if (!existsSync(playlistPath)) return 0;
      let bytes = 0;
      let seconds = 0;
      let duration = 0;
      for (const line of readFileSync(playlistPath, 'utf8').split('\n')) {
        const inf = /^#EXTINF:([\d.]+)/.exec(line);
        if (inf) duration = Number(inf[1]);
        else if (line && !line.startsWith('#') && existsSync(join(dir, line))) {
          bytes += statSync(join(dir, line)).size;
          seconds += duration;
        }
      }
      return seconds > 0 ? (bytes * 8) / 1000 / seconds : 0;
    },
  };
}

/**
 * Serves `ctx.hlsDir` on `port`. ffmpeg deletes segments that left the playlist (delete_segments)
 * and the stream's end removes its directory, both while viewers are still fetching: a file can
 * vanish between the existence check and the read. A throw from a request listener is an uncaught
 * exception that ends the whole local mode (GraphQL, chat, everything in the process), so a
 * vanished file is a 404, anything else a 500, and the process carries on.
 */
export async function startHlsServer(
  ctx: IvsContext,
  stats: ReturnType<typeof liveStats>,
  port: number,
): Promise<Server> {
  const { hlsDir, sessions, log } = ctx;
  const auth = playbackAuthorizer(ctx.file, { idleMs: ctx.opts.playbackSessionIdleMs });
  const serveHls = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', '*');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const requestedChannel = ctx.file.state.channels.find((c) => c.id === path.split('/')[1]);
    if (requestedChannel?.authorized) {
      const decision = auth.decide(req, requestedChannel.id, requestedChannel.arn, path);
      if (decision.kind === 'refuse') {
        return void res
          .writeHead(403, { 'content-type': 'application/json' })
          .end(JSON.stringify([{ error: 'Forbidden', reason: decision.reason }]));
      }
      if (decision.kind === 'session') {
        if (!existsSync(join(hlsDir, requestedChannel.id, 'index.m3u8')))
          return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        stats.sawPlaylistFetch(requestedChannel.id, `${req.socket.remoteAddress}|${req.headers['user-agent'] ?? ''}`);
        const bandwidth = stats.liveBitrateKbps(requestedChannel.id) * 1000 || 2_500_000;
        return void res
          .writeHead(200, { 'content-type': MIME['.m3u8'] as string, 'cache-control': 'no-cache' })
          .end(sessionMultivariant(decision.sessionId, bandwidth));
      }
      path = decision.path;
    }
    const fileOnDisk = normalize(join(hlsDir, path));
    if (!fileOnDisk.startsWith(hlsDir) || !existsSync(fileOnDisk) || statSync(fileOnDisk).isDirectory()) {
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
    const channelId = path.split('/')[1] ?? '';
    if (path.endsWith('.m3u8'))
      stats.sawPlaylistFetch(channelId, `${req.socket.remoteAddress}|${req.headers['user-agent'] ?? ''}`);
    const headers = {
      'content-type': MIME[extname(fileOnDisk)] ?? 'application/octet-stream',
      'cache-control': path.endsWith('.m3u8') ? 'no-cache' : 'max-age=60',
    };
    const live = sessions.get(channelId);
    if (live && path.endsWith('.ts')) {
      // Timed metadata: the heartbeat, and ID3 tags for the PutMetadata calls whose media time falls
      // in this segment (see id3.ts). A call at wall-clock time T is at media time T - startTime: the
      // publisher sends in real time from the publish, and the first segment starts at its first frame
      // (ffmpeg keeps the publisher's timestamps, -copyts, and media time 0 is the first keyframe the
      // probe saw, see live-session.ts). ffmpeg's program-date-time is no clock for
      // this: it starts when ffmpeg does, so it names a time up to ~1 s later than the capture, and
      // the segment it names for T may already have been served when the call arrives.
      const segment = readFileSync(fileOnDisk);
      const firstPts = firstVideoPts(segment);
      const duration = segmentDurations(readFileSync(join(hlsDir, channelId, 'index.m3u8'), 'utf8')).get(
        path.split('/').pop() ?? '',
      );
      const cues =
        firstPts === undefined || duration === undefined
          ? []
          : live.metadata
              .map((m) => ({
                offsetSeconds:
                  (Date.parse(m.at) - mediaZeroAt(live)) / 1000 - ptsDiffSeconds(firstPts, live.mediaZeroPts),
                text: m.payload,
              }))
              .filter((c) => c.offsetSeconds >= 0 && c.offsetSeconds < duration);
      const body = injectId3(segment, cues);
      return void res.writeHead(200, headers).end(body);
    }
    if (path.endsWith('.m3u8')) {
      // Read before the status is set: a playlist gone since the check is a 404, not a 200 with an error body.
      const playlist = fixLivePlaylist(readFileSync(fileOnDisk, 'utf8'));
      return void res.writeHead(200, headers).end(playlist);
    }
    // Read whole before the 200 goes out (segments are small): a file deleted since the check is a 404
    // through the catch below; a piped read stream's error event would have had no listener.
    const body = readFileSync(fileOnDisk);
    res.writeHead(200, headers).end(body);
  };
  const hls = createServer((req: IncomingMessage, res: ServerResponse) => {
    try {
      serveHls(req, res);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missing) log(`HLS request ${req.url ?? ''} failed: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(missing ? 404 : 500, { 'content-type': 'text/plain' });
      res.end(missing ? 'not found' : 'HLS server error');
    }
  });
  await listen(hls, port, 'HLS server');
  return hls;
}
