/**
 * Local Amazon IVS: the control-plane operations the handlers call (control-plane.ts, reached
 * through AWS_ENDPOINT_URL_IVS), RTMP ingest at rtmp://127.0.0.1:<port>/app/<streamKey>
 * (rtmp-ingest.ts on node-media-server 4, nms.ts) that rejects unknown or deleted keys, live HLS
 * written by Debian's ffmpeg (live-session.ts, packaging.ts) and served with the right MIME types,
 * CORS and timed metadata (hls-server.ts, id3.ts), "IVS Stream State Change" events on publish and
 * unpublish, and recordings in IVS's S3 layout in the local bucket with "IVS Recording State
 * Change" events (recording-session.ts, recordings.ts). See docs/local-mode.md for what differs from IVS.
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../http';
import { clearStaleChildren } from '../process/children';
import {
  ACCOUNT,
  eventSender,
  mediaZeroAt,
  REGION,
  type IvsContext,
  type LiveSession,
  type LocalIvsOptions,
} from './context';
import { controlOperations, startControlServer } from './control-plane';
import { liveStats, startHlsServer } from './hls-server';
import { liveSessions } from './live-session';
import type { NmsSession } from './nms';
import { startRtmpIngest } from './rtmp-ingest';
import { StateFile } from './state';

export type { IvsEvent, LocalIvsOptions } from './context';

export interface LocalIvs {
  url: string;
  rtmpUrl: string;
  playbackBaseUrl: string;
  recordingConfigurationArn: string;
  /** Live sessions by channel id (for tests and diagnostics). */
  live(): { channelId: string; streamId: string; startTime: string; reencode: boolean; mediaZeroAt: number }[];
  stop(): Promise<void>;
}

/** Starts the local IVS: control plane, HLS server and RTMP ingest, each on its own port. */
export async function startLocalIvs(opts: LocalIvsOptions): Promise<LocalIvs> {
  const log = opts.log ?? (() => undefined);
  const hlsDir = join(opts.dataDir, 'hls');
  // ffmpeg processes left by a start that was SIGKILLed together with their guards still write into the HLS directories.
  const runDir = join(opts.dataDir, 'run');
  await clearStaleChildren(runDir);
  mkdirSync(runDir, { recursive: true });
  rmSync(hlsDir, { recursive: true, force: true });
  mkdirSync(hlsDir, { recursive: true });
  const hlsPort = opts.hlsPort || (await freePort());
  const ctx: IvsContext = {
    opts,
    log,
    hlsDir,
    runDir,
    file: new StateFile(join(opts.dataDir, 'state.json')),
    sessions: new Map<string, LiveSession>(),
    stagingDir: join(opts.dataDir, 'recording-staging'),
    segmentSeconds: opts.segmentSeconds ?? 0.5,
    playbackBaseUrl: `http://127.0.0.1:${hlsPort}`,
    emit: eventSender(opts, log),
  };

  const stats = liveStats(hlsDir);
  const control = await startControlServer(ctx, controlOperations(ctx, stats), opts.port ?? 0);
  const hls = await startHlsServer(ctx, stats, hlsPort);
  const rtmpPort = opts.rtmpPort || (await freePort());
  const players = new Map<string, Set<NmsSession>>();
  const live = liveSessions(ctx, rtmpPort, players);
  const rtmp = await startRtmpIngest(ctx, rtmpPort, live, players);

  return {
    url: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/app/`,
    playbackBaseUrl: ctx.playbackBaseUrl,
    recordingConfigurationArn: `arn:aws:ivs:${REGION}:${ACCOUNT}:recording-configuration/local`,
    live: () =>
      [...ctx.sessions.values()].map((s) => ({
        channelId: s.channel.id,
        streamId: s.streamId,
        startTime: s.startTime.toISOString(),
        reencode: s.reencode,
        mediaZeroAt: mediaZeroAt(s),
      })),
    async stop() {
      for (const s of [...ctx.sessions.values()]) {
        s.socket.destroy();
        void live.end(s);
      }
      await Promise.all([...live.ending]);
      await rtmp.stop();
      control.closeAllConnections();
      hls.closeAllConnections();
      await Promise.all([new Promise((r) => control.close(r)), new Promise((r) => hls.close(r))]);
    },
  };
}
