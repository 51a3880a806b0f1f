/**
 * The local HLS server while ffmpeg deletes segments (delete_segments) and a stream's end removes
 * its directory: a file that vanishes between the server's existence check and its read must be a
 * 404 for that viewer, not an uncaught exception that ends the whole local mode (the show-night
 * bench lost the platform process after the show this way). The race is made deterministic by
 * having readFileSync find the file gone, as it does when ffmpeg deletes it in that window.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const { vanished } = vi.hoisted(() => ({ vanished: new Set<string>() }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((path: Parameters<typeof fs.readFileSync>[0], ...rest: unknown[]) => {
    if (vanished.has(String(path)))
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${String(path)}'`), { code: 'ENOENT' });
    return (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

const { startLocalIvs } = await import('../../../../local/ivs/index');
const { BucketStore } = await import('../../../../local/s3/store');

let dir: string;
let ivs: Awaited<ReturnType<typeof startLocalIvs>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'local-ivs-vanish-'));
  const store = new BucketStore(join(dir, 's3'));
  await store.createBucket('recordings');
  ivs = await startLocalIvs({
    dataDir: join(dir, 'ivs'),
    port: 0,
    rtmpPort: 0,
    recordings: { store, bucket: 'recordings' },
    onEvent: async () => undefined,
  });
});

afterAll(async () => {
  await ivs?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('local HLS server, a file deleted while it is served', () => {
  it('answers 404 for the vanished file and keeps serving the others', async () => {
    const channelDir = join(dir, 'ivs', 'hls', 'chan1');
    mkdirSync(channelDir, { recursive: true });
    writeFileSync(join(channelDir, 'index.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:0.5,\nseg00001.ts\n');
    writeFileSync(join(channelDir, 'seg00001.ts'), Buffer.alloc(188 * 4, 0xff));
    writeFileSync(join(channelDir, 'seg00002.ts'), Buffer.alloc(188 * 4, 0xff));
    vanished.add(join(channelDir, 'index.m3u8'));
    vanished.add(join(channelDir, 'seg00002.ts'));

    const playlist = await fetch(`${ivs.playbackBaseUrl}/chan1/index.m3u8`);
    expect(playlist.status).toBe(404);
    const segment = await fetch(`${ivs.playbackBaseUrl}/chan1/seg00002.ts`);
    expect(segment.status).toBe(404);
    // The server (and the process around it) is still there.
    const other = await fetch(`${ivs.playbackBaseUrl}/chan1/seg00001.ts`);
    expect(other.status).toBe(200);
    expect((await other.arrayBuffer()).byteLength).toBe(188 * 4);
  });
});
