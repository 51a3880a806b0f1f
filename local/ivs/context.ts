/**
 * What the rooms of the local IVS share: the options, the persisted channels and keys, the live
 * sessions by channel id, and how events leave. `startLocalIvs` (index.ts) builds one and hands it
 * to the control plane, the HLS server, the RTMP ingest and the live sessions.
 */
import type { ChildProcess } from 'node:child_process';
import type { BucketStore } from '../s3/store';
import type { Authorizer } from '../iam/evaluator';
import type { Uploaded } from './recordings';
import type { Channel, StateFile } from './state';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

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
  /** How long an authorized playback session may go unused before its URLs answer 403 (playback-auth.ts). @default 30000 */
  playbackSessionIdleMs?: number;
  /** How far back a live viewer may scrub: the recording's DVR views span this (stage config dvrWindowMinutes). @default 600 */
  dvrWindowSeconds?: number;
}

/** One recording session of a live session, staged on disk and copied to the bucket while it runs. */
export interface RecordingSession {
  sessionId: string;
  prefix: string;
  dir: string;
  startedAt: Date;
  uploaded: Uploaded;
  sync?: ReturnType<typeof setInterval>;
  syncing?: Promise<unknown>;
}

export interface LiveSession {
  channel: Channel;
  /** RTMP stream path, `/app/<streamKey>`. */
  streamPath: string;
  streamId: string;
  startTime: Date;
  ffmpeg: ChildProcess;
  recording?: RecordingSession;
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
export const mediaZeroAt = (s: LiveSession): number =>
  Math.max(s.startTime.getTime(), s.mediaZero.at ?? s.startTime.getTime());

/** An IVS API error: its `x-amzn-errortype` and HTTP status. */
export { ServiceError as IvsError } from '../http';

/** The state and services every room of the local IVS reads. */
export interface IvsContext {
  readonly opts: LocalIvsOptions;
  readonly log: (line: string) => void;
  readonly file: StateFile;
  /** Live sessions by channel id. */
  readonly sessions: Map<string, LiveSession>;
  readonly hlsDir: string;
  readonly stagingDir: string;
  /** Pid files of the ffmpeg children (process/children.ts). */
  readonly runDir: string;
  readonly segmentSeconds: number;
  readonly playbackBaseUrl: string;
  /** Sends an `aws.ivs` event for the channel; a failed delivery is logged, never thrown. */
  emit(channel: Channel, detailType: string, detail: Record<string, unknown>): Promise<void>;
}

/** The event sender of a context: IVS's shape, second-precision time, channel_name in the detail. */
export function eventSender(opts: LocalIvsOptions, log: (line: string) => void): IvsContext['emit'] {
  return (c, detailType, detail) =>
    opts
      .onEvent({
        source: 'aws.ivs',
        'detail-type': detailType,
        detail: { channel_name: c.name, ...detail },
        resources: [c.arn],
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      })
      .catch((error: unknown) => log(`ivs event ${detailType} failed: ${(error as Error).message}`));
}
