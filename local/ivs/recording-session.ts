/**
 * The recording side of a live session, in IVS's S3 layout: where it is staged, the ffmpeg outputs
 * that write it (the publisher's encoding copied, thumbnails every 10 s), the copy to the bucket
 * while the stream runs (recordings.ts), and the recording-started/-ended objects and
 * "IVS Recording State Change" events.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT, mediaZeroAt, type IvsContext, type LiveSession, type RecordingSession } from './context';
import { newUploaded, syncRecording } from './recordings';
import type { Channel } from './state';

const HLS_MEDIA = {
  path: 'media/hls',
  playlist: 'master.m3u8',
  renditions: [{ path: 'source', playlist: 'playlist.m3u8' }],
};
const THUMBNAILS = { path: 'media/thumbnails', renditions: [{ path: 'source' }] };

/** Stages a recording session started at `startTime` and adds its outputs to the ffmpeg `args`. */
export function prepareRecording(ctx: IvsContext, channel: Channel, startTime: Date, args: string[]): RecordingSession {
  const sessionId = randomUUID();
  const d = startTime;
  const prefix = `ivs/v1/${ACCOUNT}/${channel.id}/${d.getUTCFullYear()}/${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCHours()}/${d.getUTCMinutes()}/${sessionId}`;
  const dir = join(ctx.stagingDir, sessionId);
  mkdirSync(join(dir, 'media/hls/source'), { recursive: true });
  mkdirSync(join(dir, 'media/thumbnails/source'), { recursive: true });
  // The recording keeps the publisher's own encoding (copied); thumbnails are numbered from 0 as IVS's are.
  args.push(
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    '-c',
    'copy',
    '-f',
    'hls',
    '-hls_time',
    '6',
    '-hls_list_size',
    '0',
    '-hls_playlist_type',
    'event',
    '-hls_segment_filename',
    join(dir, 'media/hls/source/%d.ts'),
    join(dir, 'media/hls/source/playlist.m3u8'),
    '-map',
    '0:v:0',
    '-vf',
    "select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,10)',scale=480:-2",
    '-fps_mode',
    'vfr',
    '-q:v',
    '6',
    '-start_number',
    '0',
    '-f',
    'image2',
    join(dir, 'media/thumbnails/source/thumb%d.jpg'),
  );
  return { sessionId, prefix, dir, startedAt: startTime, uploaded: newUploaded() };
}

/** The closed DVR views written beside the recording (recordings.ts), over the stage's window. */
const dvrViews = (ctx: IvsContext, s: LiveSession) => ({
  windowSeconds: ctx.opts.dvrWindowSeconds ?? 600,
  mediaZeroAt: () => mediaZeroAt(s),
});

/** IVS writes the recording to S3 while the stream runs (the DVR pattern): so does the local IVS, every 2 s. */
export function startRecordingSync(ctx: IvsContext, s: LiveSession, r: RecordingSession): void {
  r.sync = setInterval(() => {
    r.syncing ??= syncRecording(
      { ...ctx.opts.recordings, prefix: r.prefix, dir: r.dir, dvr: dvrViews(ctx, s) },
      r.uploaded,
    )
      .catch((error: unknown) => ctx.log(`recording sync for ${s.channel.name} failed: ${(error as Error).message}`))
      .finally(() => {
        r.syncing = undefined;
      });
  }, 2000);
}

const recordingDetail = (
  ctx: IvsContext,
  status: string,
  streamId: string,
  r: RecordingSession,
  durationMs: number,
) => ({
  stream_id: streamId,
  recording_status: status,
  recording_status_reason: '',
  recording_s3_bucket_name: ctx.opts.recordings.bucket,
  recording_s3_key_prefix: r.prefix,
  recording_duration_ms: durationMs,
  recording_session_id: r.sessionId,
  recording_session_stream_ids: [streamId],
});

/** Writes recording-started.json and sends Recording Start. */
export async function announceRecording(
  ctx: IvsContext,
  channel: Channel,
  streamId: string,
  r: RecordingSession,
): Promise<void> {
  const { store, bucket } = ctx.opts.recordings;
  await store.write(
    bucket,
    `${r.prefix}/events/recording-started.json`,
    Buffer.from(
      JSON.stringify(
        {
          channel_arn: channel.arn,
          recording_started_at: r.startedAt.toISOString(),
          recording_status: 'RECORDING_STARTED',
          media: { hls: HLS_MEDIA, thumbnails: THUMBNAILS },
          version: 'v1',
        },
        null,
        2,
      ),
    ),
    { contentType: 'application/json' },
  );
  await ctx.emit(channel, 'IVS Recording State Change', recordingDetail(ctx, 'Recording Start', streamId, r, 0));
}

/** After ffmpeg exited: the last copy, recording-ended.json, the staging removed, Recording End. */
export async function finishRecording(ctx: IvsContext, s: LiveSession, r: RecordingSession): Promise<void> {
  const { store, bucket } = ctx.opts.recordings;
  const endedAt = new Date();
  clearInterval(r.sync);
  await r.syncing;
  const durationMs = await syncRecording(
    { ...ctx.opts.recordings, prefix: r.prefix, dir: r.dir, dvr: dvrViews(ctx, s) },
    r.uploaded,
    true,
  );
  await store.write(
    bucket,
    `${r.prefix}/events/recording-ended.json`,
    Buffer.from(
      JSON.stringify(
        {
          channel_arn: s.channel.arn,
          recording_started_at: r.startedAt.toISOString(),
          recording_ended_at: endedAt.toISOString(),
          recording_status: 'RECORDING_ENDED',
          media: { hls: { duration_ms: durationMs, ...HLS_MEDIA }, thumbnails: THUMBNAILS },
          version: 'v1',
        },
        null,
        2,
      ),
    ),
    { contentType: 'application/json' },
  );
  rmSync(r.dir, { recursive: true, force: true });
  await ctx.emit(
    s.channel,
    'IVS Recording State Change',
    recordingDetail(ctx, 'Recording End', s.streamId, r, durationMs),
  );
}
