/**
 * S3 "ObjectCreated" events on a recording's playlists while IVS writes them: writes the DVR view
 * beside each (lambdas/shared/domain/dvr.ts), so a live viewer can scrub back into the recording
 * with amazon-ivs-player, which plays IVS's open playlists as live. A rendition's `playlist.m3u8`
 * gives its `dvr.m3u8` (closed, the last DVR window); `master.m3u8` gives `media/hls/dvr.m3u8`. The
 * views are rebuilt from the object as it is now, so a redelivered or late event writes the same
 * or a newer view; their names match no trigger, so writing one starts nothing.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { s3 } from '../shared/clients';
import { DVR_CACHE_CONTROL, dvrMediaView, dvrMultivariant, dvrSourceOf } from '../shared/domain/dvr';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';

const { logger } = observability('dvr-playlist');
const BUCKET = requireEnv(ENV.RECORDINGS_BUCKET);
const WINDOW_SECONDS = z.coerce.number().int().positive().parse(requireEnv(ENV.DVR_WINDOW_SECONDS));

const s3EventSchema = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      s3: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string() }) }),
    }),
  ),
});

/** The recording playlists an S3 event names (keys decoded: S3 notifications URL-encode them, spaces as '+'). */
export function playlistKeysOf(event: unknown): string[] {
  const parsed = s3EventSchema.safeParse(event);
  if (!parsed.success) return [];
  return parsed.data.Records.filter((r) => r.eventName.startsWith('ObjectCreated:') && r.s3.bucket.name === BUCKET)
    .map((r) => decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')))
    .filter((key) => dvrSourceOf(key) !== undefined);
}

/** Writes the view `key` feeds; false when the playlist is gone or lists no segment yet. */
export async function writeView(key: string): Promise<boolean> {
  const source = dvrSourceOf(key);
  if (!source) return false;
  let text: string | undefined;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    text = await out.Body?.transformToString('utf8');
  } catch (error) {
    if (error instanceof NoSuchKey) return false;
    throw error;
  }
  const view =
    text === undefined
      ? undefined
      : source.kind === 'multivariant'
        ? dvrMultivariant(text)
        : dvrMediaView(text, { windowSeconds: WINDOW_SECONDS });
  if (view === undefined) return false;
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: source.viewKey,
      Body: view,
      ContentType: 'application/vnd.apple.mpegurl',
      CacheControl: DVR_CACHE_CONTROL,
    }),
  );
  return true;
}

export const handler = async (event: unknown, context: Context): Promise<{ written: number }> => {
  logger.addContext(context);
  const keys = [...new Set(playlistKeysOf(event))];
  if (keys.length === 0) logger.warn('No recording playlist in the event');
  let written = 0;
  for (const key of keys) if (await writeView(key)) written += 1;
  return { written };
};
