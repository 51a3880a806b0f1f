/**
 * The shared setup of the watch-page tests that play a real stream: a local IVS (RTMP ingest, HLS,
 * recordings into a local bucket) beside a fixture site (the production build, the API answered
 * from fixtures, a fake chat) and Chromium, started and stopped as one, plus a LOW-latency channel
 * to publish to.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateChannelCommand, IvsClient, type Channel } from '@aws-sdk/client-ivs';
import type { Browser, Page } from 'playwright-core';
import { startLocalIvs, type LocalIvs, type LocalIvsOptions } from '../../../local/ivs/index';
import { startLocalS3, type LocalS3 } from '../../../local/s3/index';
import { publish, waitFor, type Publisher } from '../../integration/local/ivs/helpers';
import { startFakeChat } from './fake-chat';
import { fixtureRuntimeConfig } from './fixture-site';
import { ensureBuild, launchChromium, serveDist } from './support';

/** A running live site; `close()` stops everything, the publisher a test started included. */
export interface LiveSite {
  origin: string;
  ivs: LocalIvs;
  s3: LocalS3;
  browser: Browser;
  /** Stopped first on close (an ffmpeg publisher). */
  stopOnClose(stop: () => Promise<void>): void;
  close(): Promise<void>;
}

/**
 * Starts the local IVS (recording into a local S3 bucket `recordings`) and the fixture site. `ivs` adds to the local IVS's options; `player` is the page's player config.
 */
export async function startLiveSite(
  name: string,
  opts: {
    ivs?: Partial<Pick<LocalIvsOptions, 'dvrWindowSeconds' | 'onEvent'>>;
    /** @default { lowLatency: true } */
    player?: Record<string, unknown>;
    /** Where the page finds replays: the site itself (the fixtures' own) or the recordings bucket. @default 'site' */
    replays?: 'site' | 'recordings';
  } = {},
): Promise<LiveSite> {
  ensureBuild();
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const s3 = await startLocalS3({ dataDir: join(dir, 's3'), port: 0, buckets: ['recordings'] });
  const ivs = await startLocalIvs({
    dataDir: join(dir, 'ivs'),
    port: 0,
    rtmpPort: 0,
    recordings: { store: s3.store, bucket: 'recordings' },
    onEvent: async () => undefined,
    ...opts.ivs,
  });
  const chat = await startFakeChat();
  const site = await serveDist((origin) =>
    fixtureRuntimeConfig(origin, {
      chatMessagingEndpoint: chat.url,
      ...(opts.replays === 'recordings' ? { replayBaseUrl: `${s3.url}/recordings` } : {}),
      ...(opts.player ? { player: opts.player } : {}),
    }),
  );
  const browser = await launchChromium();
  const stops: (() => Promise<void>)[] = [];
  return {
    origin: site.origin,
    ivs,
    s3,
    browser,
    stopOnClose: (stop) => void stops.push(stop),
    async close() {
      for (const stop of stops) await stop();
      await browser.close();
      await site.close();
      await chat.close();
      await ivs.stop();
      await s3.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A LOW-latency channel on the live site's IVS (recording when `record`), with its stream key. */
export async function createLiveChannel(
  live: LiveSite,
  name: string,
  record = false,
): Promise<{ channel: Channel; streamKey: string }> {
  const client = new IvsClient({
    region: 'us-east-1',
    endpoint: live.ivs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { channel, streamKey } = await client.send(
    new CreateChannelCommand({
      name,
      latencyMode: 'LOW',
      ...(record ? { recordingConfigurationArn: live.ivs.recordingConfigurationArn } : {}),
    }),
  );
  client.destroy();
  if (!channel?.playbackUrl || !streamKey?.value)
    throw new Error(`the local IVS created ${name} without a playback URL or stream key`);
  return { channel, streamKey: streamKey.value };
}

/** The page's own estimate of how far behind live it plays (the player's data-behind-live). */
export async function behindLive(page: Page): Promise<number> {
  return Number(await page.locator('.player').getAttribute('data-behind-live'));
}

/**
 * Publishes a test pattern to the channel with ffmpeg (`extraArgs` add to its encoding options),
 * stopped when the site closes; with `waitForPlaylist`, answers once the live playlist has a segment.
 */
export async function publishTo(
  live: LiveSite,
  c: { channel: Channel; streamKey: string },
  extraArgs?: string[],
  waitForPlaylist = true,
): Promise<Publisher> {
  const pub = publish(`${live.ivs.rtmpUrl}${c.streamKey}`, extraArgs ? { extraArgs } : undefined);
  live.stopOnClose(async () => {
    await pub.stop();
  });
  if (waitForPlaylist) {
    await waitFor(
      'the live playlist',
      async () =>
        (await (await fetch(c.channel.playbackUrl as string)).text()).includes('#EXTINF') ? true : undefined,
      30_000,
      200,
    );
  }
  return pub;
}
