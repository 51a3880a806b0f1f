/**
 * Local Amazon IVS: the control-plane operations the handlers call (REST-JSON, reached through
 * AWS_ENDPOINT_URL_IVS), RTMP ingest at rtmp://127.0.0.1:<port>/app/<streamKey> (node-media-server
 * 4) that rejects unknown or deleted keys, HLS written by Debian's ffmpeg with 1-second segments and
 * served with the right MIME types and CORS, "IVS Stream State Change" events on publish and
 * unpublish, and recordings in IVS's S3 layout in the local bucket with "IVS Recording State
 * Change" events. See docs/local-mode.md for what differs from IVS.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, Socket, type AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { BucketStore } from '../s3/store';
import { randomId, StateFile, type Channel } from './state';
import { firstVideoPts, injectId3, ptsDiffSeconds, segmentDurations } from './id3';
import { fixLivePlaylist, liveVideoArgs, MPEGTS_OFFSET_PTS, probeKeyframes } from './packaging';
import { newUploaded, syncRecording, type Uploaded } from './recordings';
import { freePort, listen } from '../http';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { ivsRequests } from '../iam/requests';
import { clearStaleChildren, spawnGuarded } from '../process/children';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** A viewer counts while they have fetched the live playlist within this window. */
const VIEWER_WINDOW_MS = 5_000;

export interface IvsEvent {
  source: 'aws.ivs';
  'detail-type': string;
  detail: Record<string, unknown>;
  resources: string[];
  time: string;
}

export interface LocalIvsOptions {
  dataDir: string;
  port?: number;
  rtmpPort?: number;
  hlsPort?: number;
  recordings: { store: BucketStore; bucket: string };
  onEvent(event: IvsEvent): Promise<void>;
  log?: (line: string) => void;
  /**
   * Live HLS segment length in seconds; publishers with longer keyframe intervals are re-encoded to
   * it (see packaging.ts). @default 0.5
   */
  segmentSeconds?: number;
  /** When set, every control-plane call is authorized for its calling function (IAM in the local mode). */
  iam?: Authorizer;
  /** How far back a live viewer may scrub: the recording's DVR views span this (stage config dvrWindowMinutes). @default 600 */
  dvrWindowSeconds?: number;
}

export interface LocalIvs {
  url: string;
  rtmpUrl: string;
  playbackBaseUrl: string;
  recordingConfigurationArn: string;
  /** Live sessions by channel id (for tests and diagnostics). */
  live(): { channelId: string; streamId: string; startTime: string; reencode: boolean; mediaZeroAt: number }[];
  stop(): Promise<void>;
}

interface LiveSession {
  channel: Channel;
  /** RTMP stream path, `/app/<streamKey>`. */
  streamPath: string;
  streamId: string;
  startTime: Date;
  ffmpeg: ChildProcess;
  recording?: { sessionId: string; prefix: string; dir: string; startedAt: Date; uploaded: Uploaded; sync?: ReturnType<typeof setInterval>; syncing?: Promise<unknown> };
  /** Whether the live rendition is re-encoded (the publisher's keyframes are further apart than a segment). */
  reencode: boolean;
  socket: { destroy(): void };
  progress: { fps?: number };
  metadataTimes: number[];
  metadata: { at: string; payload: string }[];
  /** PTS of media time 0 (RTMP time 0) in the live segments. */
  mediaZeroPts: number;
  /** Wall-clock time the publisher sent media time 0 (probe.ts's estimate, refined while it reads); else `startTime`. */
  mediaZero: { at?: number };
  ended: Promise<void>;
}

/** Wall-clock ms at which the publisher sent media time 0: never before the publish itself. */
const mediaZeroAt = (s: LiveSession): number => Math.max(s.startTime.getTime(), s.mediaZero.at ?? s.startTime.getTime());

class IvsError extends Error {
  constructor(readonly type: string, message: string, readonly status: number) { super(message); }
}

const MIME: Record<string, string> = { '.m3u8': 'application/vnd.apple.mpegurl', '.ts': 'video/mp2t', '.m4s': 'video/iso.segment', '.mp4': 'video/mp4', '.jpg': 'image/jpeg', '.json': 'application/json' };

export async function startLocalIvs(opts: LocalIvsOptions): Promise<LocalIvs> {
  const log = opts.log ?? (() => undefined);
  const file = new StateFile(join(opts.dataDir, 'state.json'));
  const hlsDir = join(opts.dataDir, 'hls');
  const stagingDir = join(opts.dataDir, 'recording-staging');
  // ffmpeg processes left by a start that was SIGKILLed together with their guards still write into the HLS directories.
  const runDir = join(opts.dataDir, 'run');
  await clearStaleChildren(runDir);
  mkdirSync(runDir, { recursive: true });
  rmSync(hlsDir, { recursive: true, force: true });
  mkdirSync(hlsDir, { recursive: true });
  const recordingConfigurationArn = `arn:aws:ivs:${REGION}:${ACCOUNT}:recording-configuration/local`;
  const sessions = new Map<string, LiveSession>();
  const viewers = new Map<string, Map<string, number>>();
  const segmentSeconds = opts.segmentSeconds ?? 0.5;

  const hlsPort = opts.hlsPort || (await freePort());
  const playbackBaseUrl = `http://127.0.0.1:${hlsPort}`;
  const channelView = (c: Channel) => ({
    arn: c.arn, name: c.name, latencyMode: c.latencyMode, type: c.type, authorized: c.authorized, recordingConfigurationArn: c.recordingConfigurationArn,
    ingestEndpoint: c.ingestEndpoint, playbackUrl: c.playbackUrl, tags: c.tags, insecureIngest: c.insecureIngest, preset: c.preset,
  });
  const findChannel = (arn: unknown): Channel => {
    const c = file.state.channels.find((x) => x.arn === arn);
    if (!c) throw new IvsError('ResourceNotFoundException', `Channel not found: ${String(arn)}`, 404);
    return c;
  };
  const emit = (c: Channel, detailType: string, detail: Record<string, unknown>) =>
    opts.onEvent({ source: 'aws.ivs', 'detail-type': detailType, detail: { channel_name: c.name, ...detail }, resources: [c.arn], time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') })
      .catch((error: unknown) => log(`ivs event ${detailType} failed: ${(error as Error).message}`));

  // ---------- control plane ----------
  const ops: Record<string, (body: Record<string, unknown>) => unknown> = {
    CreateChannel: (b) => {
      const id = randomId(12);
      const channel: Channel = {
        arn: `arn:aws:ivs:${REGION}:${ACCOUNT}:channel/${id}`, id, name: String(b.name ?? ''), latencyMode: String(b.latencyMode ?? 'LOW'),
        type: String(b.type ?? 'STANDARD'), authorized: b.authorized === true, recordingConfigurationArn: String(b.recordingConfigurationArn ?? ''),
        ingestEndpoint: '127.0.0.1', playbackUrl: `${playbackBaseUrl}/${id}/index.m3u8`, tags: (b.tags as Record<string, string>) ?? {},
        insecureIngest: b.insecureIngest === true, preset: String(b.preset ?? ''),
      };
      const key = { arn: `arn:aws:ivs:${REGION}:${ACCOUNT}:stream-key/${randomId(12)}`, value: `sk_${REGION}_${randomId(36)}`, channelArn: channel.arn, tags: channel.tags };
      file.state.channels.push(channel);
      file.state.keys.push(key);
      file.save();
      return { channel: channelView(channel), streamKey: key };
    },
    GetChannel: (b) => ({ channel: channelView(findChannel(b.arn)) }),
    ListChannels: (b) => ({
      channels: file.state.channels.filter((c) => !b.filterByName || c.name === b.filterByName)
        .map((c) => ({ arn: c.arn, name: c.name, latencyMode: c.latencyMode, authorized: c.authorized, recordingConfigurationArn: c.recordingConfigurationArn, tags: c.tags, type: c.type })),
    }),
    DeleteChannel: (b) => {
      const c = findChannel(b.arn);
      if (sessions.has(c.id)) throw new IvsError('ConflictException', 'Channel is live; stop the stream first.', 409);
      file.state.channels = file.state.channels.filter((x) => x !== c);
      file.state.keys = file.state.keys.filter((k) => k.channelArn !== c.arn);
      file.save();
      return undefined;
    },
    CreateStreamKey: (b) => {
      const c = findChannel(b.channelArn);
      const key = { arn: `arn:aws:ivs:${REGION}:${ACCOUNT}:stream-key/${randomId(12)}`, value: `sk_${REGION}_${randomId(36)}`, channelArn: c.arn, tags: (b.tags as Record<string, string>) ?? {} };
      file.state.keys.push(key);
      file.save();
      return { streamKey: key };
    },
    GetStreamKey: (b) => {
      const key = file.state.keys.find((k) => k.arn === b.arn);
      if (!key) throw new IvsError('ResourceNotFoundException', `Stream key not found: ${String(b.arn)}`, 404);
      return { streamKey: key };
    },
    ListStreamKeys: (b) => {
      findChannel(b.channelArn);
      return { streamKeys: file.state.keys.filter((k) => k.channelArn === b.channelArn).map((k) => ({ arn: k.arn, channelArn: k.channelArn, tags: k.tags })) };
    },
    DeleteStreamKey: (b) => {
      const before = file.state.keys.length;
      file.state.keys = file.state.keys.filter((k) => k.arn !== b.arn);
      if (file.state.keys.length === before) throw new IvsError('ResourceNotFoundException', `Stream key not found: ${String(b.arn)}`, 404);
      file.save();
      return undefined;
    },
    GetStream: (b) => {
      const c = findChannel(b.channelArn);
      const s = sessions.get(c.id);
      if (!s) throw new IvsError('ChannelNotBroadcasting', 'The channel is not broadcasting.', 404);
      return { stream: { channelArn: c.arn, streamId: s.streamId, playbackUrl: c.playbackUrl, startTime: s.startTime.toISOString(), state: 'LIVE', health: 'HEALTHY', viewerCount: viewerCount(c.id) } };
    },
    GetStreamSession: (b) => {
      const c = findChannel(b.channelArn);
      const s = sessions.get(c.id);
      if (!s || (b.streamId && b.streamId !== s.streamId)) throw new IvsError('ResourceNotFoundException', 'Stream session not found.', 404);
      return { streamSession: {
        streamId: s.streamId, startTime: s.startTime.toISOString(), channel: channelView(c),
        ingestConfiguration: { video: { codec: 'avc1', targetBitrate: Math.round(liveBitrateKbps(c.id) * 1000), targetFramerate: Math.round(s.progress.fps ?? 0) }, audio: { codec: 'mp4a.40.2' } },
        truncatedEvents: [],
      } };
    },
    ListStreams: () => ({ streams: [...sessions.values()].map((s) => ({ channelArn: s.channel.arn, streamId: s.streamId, startTime: s.startTime.toISOString(), state: 'LIVE', health: 'HEALTHY', viewerCount: viewerCount(s.channel.id) })) }),
    StopStream: (b) => {
      const c = findChannel(b.channelArn);
      const s = sessions.get(c.id);
      if (!s) throw new IvsError('ChannelNotBroadcasting', 'The channel is not broadcasting.', 404);
      s.socket.destroy();
      return {};
    },
    PutMetadata: (b) => {
      const c = findChannel(b.channelArn);
      const s = sessions.get(c.id);
      if (!s) throw new IvsError('ChannelNotBroadcasting', 'The channel is not broadcasting.', 404);
      const payload = String(b.metadata ?? '');
      if (Buffer.byteLength(payload) > 1024) throw new IvsError('ValidationException', 'metadata must be at most 1 KB.', 400);
      const now = Date.now();
      s.metadataTimes = s.metadataTimes.filter((t) => now - t < 1000);
      if (s.metadataTimes.length >= 5) throw new IvsError('ThrottlingException', 'PutMetadata is limited to 5 calls per second per channel.', 429);
      s.metadataTimes.push(now);
      s.metadata = s.metadata.filter((m) => now - Date.parse(m.at) < 120_000);
      s.metadata.push({ at: new Date(now).toISOString(), payload });
      return undefined;
    },
  };

  const readBody = (req: IncomingMessage) => new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
  const control = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const tagMatch = /^\/tags\/(.+)$/.exec(url.pathname);
    try {
      const raw = await readBody(req);
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      let result: unknown;
      if (opts.iam) {
        const opName = tagMatch ? ({ POST: 'TagResource', DELETE: 'UntagResource' } as Record<string, string>)[req.method ?? ''] ?? 'ListTagsForResource' : url.pathname.slice(1);
        const lookup = {
          tagsOf: (arn: string) => (file.state.channels.find((c) => c.arn === arn) ?? file.state.keys.find((k) => k.arn === arn))?.tags,
          keysOf: (channelArn: string) => file.state.keys.filter((k) => k.channelArn === channelArn).map((k) => k.arn),
        };
        const resourceArn = tagMatch ? decodeURIComponent(tagMatch[1] as string) : undefined;
        await opts.iam.enforce(callerOf(req), ivsRequests(opName, { ...body, resourceArn }, lookup, { region: REGION, account: ACCOUNT }));
      }
      if (tagMatch) {
        const arn = decodeURIComponent(tagMatch[1] as string);
        const target = file.state.channels.find((c) => c.arn === arn) ?? file.state.keys.find((k) => k.arn === arn);
        if (!target) throw new IvsError('ResourceNotFoundException', `Resource not found: ${arn}`, 404);
        if (req.method === 'POST') { target.tags = { ...target.tags, ...(body.tags as Record<string, string>) }; file.save(); result = {}; } else result = { tags: target.tags };
      } else {
        const op = ops[url.pathname.slice(1)];
        if (!op) throw new IvsError('ValidationException', `The local IVS endpoint does not implement ${url.pathname.slice(1)}.`, 400);
        result = op(body);
      }
      if (result === undefined) res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      const e = error instanceof IvsError ? error
        : error instanceof AccessDeniedError ? new IvsError('AccessDeniedException', error.message, 403)
          : new IvsError('InternalServerException', (error as Error).message, 500);
      res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type }).end(JSON.stringify({ message: e.message, exceptionMessage: e.message }));
    }
  });
  await listen(control, opts.port ?? 0, 'IVS control plane');

  // ---------- HLS delivery ----------
  /** Bitrate of the live rendition: bytes of the segments in the live playlist over their durations. */
  function liveBitrateKbps(channelId: string): number {
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
  }
  function viewerCount(channelId: string): number {
    const seen = viewers.get(channelId);
    if (!seen) return 0;
    const now = Date.now();
    // A playing client reloads the live playlist at least every target duration (1-2 s here), so 5 s
    // without one means it left.
    for (const [who, at] of seen) if (now - at > VIEWER_WINDOW_MS) seen.delete(who);
    return seen.size;
  }
  /**
   * ffmpeg deletes segments that left the playlist (delete_segments) and the stream's end removes
   * its directory, both while viewers are still fetching: a file can vanish between the existence
   * check and the read. A throw from a request listener is an uncaught exception that ends the whole
   * local mode (GraphQL, chat, everything in the process), so a vanished file is a 404, anything
   * else a 500, and the process carries on.
   */
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
  const serveHls = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', '*');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const fileOnDisk = normalize(join(hlsDir, path));
    if (!fileOnDisk.startsWith(hlsDir) || !existsSync(fileOnDisk) || statSync(fileOnDisk).isDirectory()) {
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
    const channelId = path.split('/')[1] ?? '';
    if (path.endsWith('.m3u8')) {
      const who = `${req.socket.remoteAddress}|${req.headers['user-agent'] ?? ''}`;
      if (!viewers.has(channelId)) viewers.set(channelId, new Map());
      viewers.get(channelId)?.set(who, Date.now());
    }
    const headers = { 'content-type': MIME[extname(fileOnDisk)] ?? 'application/octet-stream', 'cache-control': path.endsWith('.m3u8') ? 'no-cache' : 'max-age=60' };
    const live = sessions.get(channelId);
    if (live && path.endsWith('.ts')) {
      // Timed metadata: the heartbeat, and ID3 tags for the PutMetadata calls whose media time falls
      // in this segment (see id3.ts). A call at wall-clock time T is at media time T - startTime: the
      // publisher sends in real time from the publish, and the first segment starts at its first frame
      // (ffmpeg keeps the publisher's timestamps, -copyts, and media time 0 is the first keyframe the
      // probe saw, see startSession). ffmpeg's program-date-time is no clock for
      // this: it starts when ffmpeg does, so it names a time up to ~1 s later than the capture, and
      // the segment it names for T may already have been served when the call arrives.
      const segment = readFileSync(fileOnDisk);
      const firstPts = firstVideoPts(segment);
      const duration = segmentDurations(readFileSync(join(hlsDir, channelId, 'index.m3u8'), 'utf8')).get(path.split('/').pop() ?? '');
      const cues = firstPts === undefined || duration === undefined ? [] : live.metadata
        .map((m) => ({ offsetSeconds: (Date.parse(m.at) - mediaZeroAt(live)) / 1000 - ptsDiffSeconds(firstPts, live.mediaZeroPts), text: m.payload }))
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
    // through the catch above; a piped read stream's error event would have had no listener.
    const body = readFileSync(fileOnDisk);
    res.writeHead(200, headers).end(body);
  };
  await listen(hls, hlsPort, 'HLS server');

  // ---------- RTMP ingest ----------
  const rtmpPort = opts.rtmpPort || (await freePort());
  // node-media-server exits the process when its port is taken: check first, and fail like the other parts.
  const probe = createNetServer();
  await listen(probe, rtmpPort, 'RTMP ingest');
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  // node-media-server keeps its configuration in a module-level context; one instance per process.
  const { default: NodeMediaServer } = (await import('node-media-server')) as unknown as { default: new (config: object) => NmsServer };
  const { default: nmsLogger } = (await import('node-media-server/src/core/logger.js')) as unknown as { default: { level: string } };
  // Its constructor forces debug logging and prints a banner; keep `npm start`'s output to our table.
  const consoleLog = console.log;
  console.log = () => undefined;
  let nms: NmsServer;
  try {
    nms = new NodeMediaServer({
      bind: '127.0.0.1',
      rtmp: { port: rtmpPort, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
      webadmin: { enable: false },
      store: { path: join(opts.dataDir, 'nms') },
    });
  } finally {
    console.log = consoleLog;
  }
  nmsLogger.level = 'error';
  // nms.on() registers on node-media-server's module-level emitter, which outlives this instance:
  // stop() removes these listeners, or a later instance in the same process would have its
  // publishers checked (and refused) against this instance's keys.
  const { default: nmsContext } = (await import('node-media-server/src/core/context.js')) as unknown as { default: { eventEmitter: import('node:events').EventEmitter } };
  const nmsListeners: [string, (session: NmsSession) => void][] = [];
  const onNms = (event: string, listener: (session: NmsSession) => void) => { nmsListeners.push([event, listener]); nms.on(event, listener); };

  /**
   * Starts the ffmpeg child for a publish accepted at `startTime`. The probe decides whether the live
   * rendition is copied or re-encoded (packaging.ts). With `-copyts` every output keeps the
   * publisher's RTMP timestamps, which start at 0 at the publish: media time t has PTS
   * MPEGTS_OFFSET_PTS + t, whenever ffmpeg joined (a loaded machine can take seconds to start it,
   * and node-media-server hands a late joiner the stream from its latest keyframe only).
   */
  const startSession = async (channel: Channel, key: string, session: NmsSession, startTime: Date) => {
    const source = `rtmp://127.0.0.1:${rtmpPort}/app/${key}`;
    const probe = await probeKeyframes(source, segmentSeconds);
    if (session.socket.destroyed) return;
    const streamId = `st-${randomId(24)}`;
    const liveDir = join(hlsDir, channel.id);
    rmSync(liveDir, { recursive: true, force: true });
    mkdirSync(liveDir, { recursive: true });
    const args = ['-hide_banner', '-loglevel', 'error', '-progress', 'pipe:1', '-rw_timeout', '10000000', '-copyts', '-i', source,
      '-map', '0:v:0', '-map', '0:a:0?', ...liveVideoArgs(probe.reencode, segmentSeconds), '-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_list_size', '6',
      '-hls_flags', 'delete_segments+program_date_time+independent_segments+omit_endlist', '-hls_segment_filename', join(liveDir, 'seg%05d.ts'), join(liveDir, 'index.m3u8')];
    let recording: LiveSession['recording'];
    if (channel.recordingConfigurationArn) {
      const sessionId = randomUUID();
      const d = startTime;
      const prefix = `ivs/v1/${ACCOUNT}/${channel.id}/${d.getUTCFullYear()}/${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCHours()}/${d.getUTCMinutes()}/${sessionId}`;
      const dir = join(stagingDir, sessionId);
      mkdirSync(join(dir, 'media/hls/source'), { recursive: true });
      mkdirSync(join(dir, 'media/thumbnails/source'), { recursive: true });
      recording = { sessionId, prefix, dir, startedAt: startTime, uploaded: newUploaded() };
      // The recording keeps the publisher's own encoding (copied); thumbnails are numbered from 0 as IVS's are.
      args.push('-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', '-f', 'hls', '-hls_time', '6', '-hls_list_size', '0', '-hls_playlist_type', 'event',
        '-hls_segment_filename', join(dir, 'media/hls/source/%d.ts'), join(dir, 'media/hls/source/playlist.m3u8'),
        '-map', '0:v:0', '-vf', "select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,10)',scale=480:-2", '-fps_mode', 'vfr', '-q:v', '6', '-start_number', '0', '-f', 'image2', join(dir, 'media/thumbnails/source/thumb%d.jpg'));
    }
    const ffmpeg = spawnGuarded('ffmpeg', args, { pidFile: join(runDir, `${channel.id}.pid`) });
    const s: LiveSession = {
      channel, streamPath: session.streamPath, streamId, startTime, ffmpeg, recording, socket: session.socket, progress: {}, metadataTimes: [], metadata: [],
      reencode: probe.reencode,
      mediaZeroPts: MPEGTS_OFFSET_PTS,
      mediaZero: probe.mediaZero,
      ended: new Promise<void>((resolve) => ffmpeg.once('exit', () => resolve())),
    };
    let stderr = '';
    ffmpeg.stderr?.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-2000); });
    ffmpeg.stdout?.on('data', (c: Buffer) => {
      // The HLS muxer reports bitrate=N/A: the frame rate comes from frames over media time, the
      // bitrate from the live segments' sizes over their durations (liveBitrateKbps).
      const text = c.toString();
      const frames = [...text.matchAll(/^frame=(\d+)$/gm)].pop();
      const outUs = [...text.matchAll(/^out_time_us=(\d+)$/gm)].pop();
      if (frames && outUs && Number(outUs[1]) > 0) s.progress.fps = Number(frames[1]) / (Number(outUs[1]) / 1e6);
    });
    ffmpeg.once('exit', (code) => { if (code && code !== 255) log(`ffmpeg for ${channel.name} exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' ')}`); });
    sessions.set(channel.id, s);
    if (recording) {
      const r = recording;
      // IVS writes the recording to S3 while the stream runs (the DVR pattern): so does the local IVS.
      r.sync = setInterval(() => {
        r.syncing ??= syncRecording({ ...opts.recordings, prefix: r.prefix, dir: r.dir, dvr: { windowSeconds: opts.dvrWindowSeconds ?? 600, mediaZeroAt: () => mediaZeroAt(s) } }, r.uploaded)
          .catch((error: unknown) => log(`recording sync for ${channel.name} failed: ${(error as Error).message}`))
          .finally(() => { r.syncing = undefined; });
      }, 2000);
    }
    void (async () => {
      await emit(channel, 'IVS Stream State Change', { event_name: 'Session Created', stream_id: streamId });
      await emit(channel, 'IVS Stream State Change', { event_name: 'Stream Start', stream_id: streamId });
      if (recording) {
        await opts.recordings.store.write(opts.recordings.bucket, `${recording.prefix}/events/recording-started.json`, Buffer.from(JSON.stringify({
          channel_arn: channel.arn, recording_started_at: startTime.toISOString(), recording_status: 'RECORDING_STARTED',
          media: { hls: { path: 'media/hls', playlist: 'master.m3u8', renditions: [{ path: 'source', playlist: 'playlist.m3u8' }] }, thumbnails: { path: 'media/thumbnails', renditions: [{ path: 'source' }] } },
          version: 'v1',
        }, null, 2)), { contentType: 'application/json' });
        await emit(channel, 'IVS Recording State Change', recordingDetail('Recording Start', streamId, recording, 0));
      }
    })();
    log(`live: ${channel.name} (${streamId}${probe.reencode ? `, re-encoded to ${segmentSeconds} s keyframes` : ''})`);
  };

  const recordingDetail = (status: string, streamId: string, r: NonNullable<LiveSession['recording']>, durationMs: number) => ({
    stream_id: streamId, recording_status: status, recording_status_reason: '', recording_s3_bucket_name: opts.recordings.bucket,
    recording_s3_key_prefix: r.prefix, recording_duration_ms: durationMs, recording_session_id: r.sessionId, recording_session_stream_ids: [streamId],
  });

  /** Sessions being ended (ffmpeg finishing, recording upload, events): stop() waits for them. */
  const ending = new Set<Promise<void>>();
  const endSession = (s: LiveSession): Promise<void> => {
    if (sessions.get(s.channel.id) !== s) return Promise.resolve();
    sessions.delete(s.channel.id);
    const done = finishSession(s).finally(() => ending.delete(done));
    ending.add(done);
    return done;
  };
  const finishSession = async (s: LiveSession) => {
    // node-media-server keeps players attached across publish gaps, so ffmpeg's pull would block
    // until its read timeout. Closing ffmpeg's RTMP play connection gives it end-of-input: it
    // finishes normally and writes every playlist's trailer. (A SIGINT would not interrupt the
    // blocked read, and a second one aborts the writes too.) SIGINT, then SIGKILL, only as fallbacks.
    for (const player of players.get(s.streamPath) ?? []) player.socket.end();
    const nudge = setTimeout(() => s.ffmpeg.kill('SIGINT'), 3000);
    const timer = setTimeout(() => { log(`ffmpeg for ${s.channel.name} did not exit: killed`); s.ffmpeg.kill('SIGKILL'); }, 8000);
    await s.ended;
    clearTimeout(nudge);
    clearTimeout(timer);
    // Offline channels answer 404 on their playback URL, as on IVS.
    rmSync(join(hlsDir, s.channel.id), { recursive: true, force: true });
    await emit(s.channel, 'IVS Stream State Change', { event_name: 'Stream End', stream_id: s.streamId });
    if (s.recording) await finishRecording(s, s.recording);
    await emit(s.channel, 'IVS Stream State Change', { event_name: 'Session Ended', stream_id: s.streamId });
    log(`ended: ${s.channel.name} (${s.streamId})`);
  };

  const finishRecording = async (s: LiveSession, r: NonNullable<LiveSession['recording']>) => {
    const endedAt = new Date();
    clearInterval(r.sync);
    await r.syncing;
    const durationMs = await syncRecording({ ...opts.recordings, prefix: r.prefix, dir: r.dir, dvr: { windowSeconds: opts.dvrWindowSeconds ?? 600, mediaZeroAt: () => mediaZeroAt(s) } }, r.uploaded, true);
    await opts.recordings.store.write(opts.recordings.bucket, `${r.prefix}/events/recording-ended.json`, Buffer.from(JSON.stringify({
      channel_arn: s.channel.arn, recording_started_at: r.startedAt.toISOString(), recording_ended_at: endedAt.toISOString(), recording_status: 'RECORDING_ENDED',
      media: {
        hls: { duration_ms: durationMs, path: 'media/hls', playlist: 'master.m3u8', renditions: [{ path: 'source', playlist: 'playlist.m3u8' }] },
        thumbnails: { path: 'media/thumbnails', renditions: [{ path: 'source' }] },
      },
      version: 'v1',
    }, null, 2)), { contentType: 'application/json' });
    rmSync(r.dir, { recursive: true, force: true });
    await emit(s.channel, 'IVS Recording State Change', recordingDetail('Recording End', s.streamId, r, durationMs));
  };

  /** RTMP play sessions (ffmpeg's pulls) by stream path. */
  const players = new Map<string, Set<NmsSession>>();
  onNms('postPlay', (session: NmsSession) => {
    if (!players.has(session.streamPath)) players.set(session.streamPath, new Set());
    players.get(session.streamPath)?.add(session);
  });
  onNms('donePlay', (session: NmsSession) => { players.get(session.streamPath)?.delete(session); });
  onNms('prePublish', (session: NmsSession) => {
    const key = session.streamPath.split('/').pop() ?? '';
    const record = session.streamApp === 'app' ? file.state.keys.find((k) => k.value === key) : undefined;
    const channel = record ? file.state.channels.find((c) => c.arn === record.channelArn) : undefined;
    if (!channel) {
      log(`rejected RTMP publish to ${session.streamPath}: unknown stream key`);
      session.socket.destroy();
      return;
    }
    if (sessions.has(channel.id)) {
      log(`rejected RTMP publish for ${channel.name}: the channel is already live`);
      session.socket.destroy();
      return;
    }
    // The publisher's connection is the stream: when it closes, the stream ends.
    session.socket.once('close', () => {
      const s = sessions.get(channel.id);
      if (s && s.socket === session.socket) void endSession(s);
    });
    // ffmpeg pulls the stream once the publisher is registered; media time 0 is this moment.
    const publishedAt = new Date();
    setImmediate(() => void startSession(channel, key, session, publishedAt).catch((error: unknown) => log(`could not start ${channel.name}: ${(error as Error).message}`)));
  });
  await nms.run();
  // node-media-server binds asynchronously: wait until the port accepts connections.
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = new Socket();
      sock.once('connect', () => { sock.destroy(); resolve(true); }).once('error', () => resolve(false)).connect(rtmpPort, '127.0.0.1');
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/app/`,
    playbackBaseUrl,
    recordingConfigurationArn,
    live: () => [...sessions.values()].map((s) => ({ channelId: s.channel.id, streamId: s.streamId, startTime: s.startTime.toISOString(), reencode: s.reencode, mediaZeroAt: mediaZeroAt(s) })),
    async stop() {
      for (const s of [...sessions.values()]) {
        s.socket.destroy();
        void endSession(s);
      }
      await Promise.all([...ending]);
      await nms.stop();
      for (const [event, listener] of nmsListeners) nmsContext.eventEmitter.off(event, listener);
      control.closeAllConnections();
      hls.closeAllConnections();
      await Promise.all([new Promise((r) => control.close(r)), new Promise((r) => hls.close(r))]);
    },
  };
}

interface NmsSession { streamPath: string; streamApp: string; socket: import('node:net').Socket }
interface NmsServer { on(event: string, listener: (session: NmsSession) => void): void; run(): Promise<void>; stop(): Promise<void> }
