/**
 * Live sessions of the local IVS: an accepted publish becomes an ffmpeg child writing the live HLS
 * rendition (and the recording, recording-session.ts) and the "IVS Stream State Change" events; the
 * publisher's disconnect (or StopStream, or stop()) ends it, and stop() waits for every ending.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnGuarded } from '../process/children';
import type { IvsContext, LiveSession } from './context';
import type { NmsSession } from './nms';
import { liveVideoArgs, MPEGTS_OFFSET_PTS, probeKeyframes } from './packaging';
import { announceRecording, finishRecording, prepareRecording, startRecordingSync } from './recording-session';
import { randomId, type Channel } from './state';

/** Starting and ending live sessions; `players` are ffmpeg's RTMP pulls by stream path (rtmp-ingest.ts). */
export interface LiveSessions {
  start(channel: Channel, key: string, session: NmsSession, startTime: Date): Promise<void>;
  end(s: LiveSession): Promise<void>;
  /** Sessions being ended (ffmpeg finishing, recording upload, events). */
  readonly ending: Set<Promise<void>>;
}

export function liveSessions(ctx: IvsContext, rtmpPort: number, players: Map<string, Set<NmsSession>>): LiveSessions {
  const { sessions, log, segmentSeconds } = ctx;

  /**
   * Starts the ffmpeg child for a publish accepted at `startTime`. The probe decides whether the live
   * rendition is copied or re-encoded (packaging.ts). With `-copyts` every output keeps the
   * publisher's RTMP timestamps, which start at 0 at the publish: media time t has PTS
   * MPEGTS_OFFSET_PTS + t, whenever ffmpeg joined (a loaded machine can take seconds to start it,
   * and node-media-server hands a late joiner the stream from its latest keyframe only).
   */
  const start = async (channel: Channel, key: string, session: NmsSession, startTime: Date) => {
    const source = `rtmp://127.0.0.1:${rtmpPort}/app/${key}`;
    const probe = await probeKeyframes(source, segmentSeconds);
    if (session.socket.destroyed) return;
    const streamId = `st-${randomId(24)}`;
    const liveDir = join(ctx.hlsDir, channel.id);
    rmSync(liveDir, { recursive: true, force: true });
    mkdirSync(liveDir, { recursive: true });
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-progress',
      'pipe:1',
      '-rw_timeout',
      '10000000',
      '-copyts',
      '-i',
      source,
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
      ...liveVideoArgs(probe.reencode, segmentSeconds),
      '-f',
      'hls',
      '-hls_time',
      String(segmentSeconds),
      '-hls_list_size',
      '6',
      '-hls_flags',
      'delete_segments+program_date_time+independent_segments+omit_endlist',
      '-hls_segment_filename',
      join(liveDir, 'seg%05d.ts'),
      join(liveDir, 'index.m3u8'),
    ];
    const recording = channel.recordingConfigurationArn ? prepareRecording(ctx, channel, startTime, args) : undefined;
    const ffmpeg = spawnGuarded('ffmpeg', args, { pidFile: join(ctx.runDir, `${channel.id}.pid`) });
    const s: LiveSession = {
      channel,
      streamPath: session.streamPath,
      streamId,
      startTime,
      ffmpeg,
      recording,
      socket: session.socket,
      progress: {},
      metadataTimes: [],
      metadata: [],
      reencode: probe.reencode,
      mediaZeroPts: MPEGTS_OFFSET_PTS,
      mediaZero: probe.mediaZero,
      ended: new Promise<void>((resolve) => ffmpeg.once('exit', () => resolve())),
    };
    let stderr = '';
    ffmpeg.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-2000);
    });
    ffmpeg.stdout?.on('data', (c: Buffer) => {
      // The HLS muxer reports bitrate=N/A: the frame rate comes from frames over media time, the
      // bitrate from the live segments' sizes over their durations (hls-server.ts).
      const text = c.toString();
      const frames = [...text.matchAll(/^frame=(\d+)$/gm)].pop();
      const outUs = [...text.matchAll(/^out_time_us=(\d+)$/gm)].pop();
      if (frames && outUs && Number(outUs[1]) > 0) s.progress.fps = Number(frames[1]) / (Number(outUs[1]) / 1e6);
    });
    ffmpeg.once('exit', (code) => {
      if (code && code !== 255)
        log(`ffmpeg for ${channel.name} exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' ')}`);
    });
    sessions.set(channel.id, s);
    if (recording) startRecordingSync(ctx, s, recording);
    void (async () => {
      await ctx.emit(channel, 'IVS Stream State Change', { event_name: 'Session Created', stream_id: streamId });
      await ctx.emit(channel, 'IVS Stream State Change', { event_name: 'Stream Start', stream_id: streamId });
      if (recording) await announceRecording(ctx, channel, streamId, recording);
    })();
    log(`live: ${channel.name} (${streamId}${probe.reencode ? `, re-encoded to ${segmentSeconds} s keyframes` : ''})`);
  };

  const finish = async (s: LiveSession) => {
    // node-media-server keeps players attached across publish gaps, so ffmpeg's pull would block
    // until its read timeout. Closing ffmpeg's RTMP play connection gives it end-of-input: it
    // finishes normally and writes every playlist's trailer. (A SIGINT would not interrupt the
    // blocked read, and a second one aborts the writes too.) SIGINT, then SIGKILL, only as fallbacks.
    for (const player of players.get(s.streamPath) ?? []) player.socket.end();
    const nudge = setTimeout(() => s.ffmpeg.kill('SIGINT'), 3000);
    const timer = setTimeout(() => {
      log(`ffmpeg for ${s.channel.name} did not exit: killed`);
      s.ffmpeg.kill('SIGKILL');
    }, 8000);
    await s.ended;
    clearTimeout(nudge);
    clearTimeout(timer);
    // Offline channels answer 404 on their playback URL, as on IVS.
    rmSync(join(ctx.hlsDir, s.channel.id), { recursive: true, force: true });
    await ctx.emit(s.channel, 'IVS Stream State Change', { event_name: 'Stream End', stream_id: s.streamId });
    if (s.recording) await finishRecording(ctx, s, s.recording);
    await ctx.emit(s.channel, 'IVS Stream State Change', { event_name: 'Session Ended', stream_id: s.streamId });
    log(`ended: ${s.channel.name} (${s.streamId})`);
  };

  const ending = new Set<Promise<void>>();
  return {
    start,
    ending,
    end(s) {
      if (sessions.get(s.channel.id) !== s) return Promise.resolve();
      sessions.delete(s.channel.id);
      const done = finish(s).finally(() => ending.delete(done));
      ending.add(done);
      return done;
    },
  };
}
