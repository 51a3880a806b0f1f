/**
 * The fixture mode's shared setup: the production build served with a runtime config whose API is the
 * site's own `/graphql` (answered by each test from fixtures), browser contexts signed in through
 * Amplify's storage, and the whole site (fixture HLS, fake chat, fake real-time endpoint, Chromium)
 * started and stopped as one.
 */
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { startFakeChat } from './fake-chat';
import { startFakeRealtime } from './fake-realtime';
import { fixtureApi } from './fixtures';
import { ensureBuild, launchChromium, makeFixtureHls, serveDist, signedInStorage } from './support';

/** The app client id fixture pages are configured with (the key of Amplify's stored session). */
export const FIXTURE_CLIENT_ID = 'fixture-client';

/** A signed-in user of a fixture page; `groups` go into the ID token's `cognito:groups`. */
export interface FixtureUser {
  sub: string;
  handle: string;
  email: string;
  groups?: string[];
}

export const BOB: FixtureUser = { sub: 'u-bob', handle: 'bob', email: 'bob@example.com' };
export const ALICE: FixtureUser = { sub: 'u-alice', handle: 'alice', email: 'alice@example.com' };
export const DINA: FixtureUser = { sub: 'u-dina', handle: 'dina', email: 'dina@example.com' };
export const LAPTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

/** What a fixture page reads from `/runtime-config.json`: Cognito is never called, the API is the site's `/graphql`. */
export function fixtureRuntimeConfig(
  origin: string,
  services: {
    chatMessagingEndpoint: string;
    /** @default none: subscriptions are not used */
    realtimeUrl?: string;
    /** @default the site itself */
    replayBaseUrl?: string;
    /** @default { lowLatency: true } */
    player?: Record<string, unknown>;
  },
): Record<string, unknown> {
  return {
    stage: 'fixture',
    region: 'us-east-1',
    graphqlUrl: `${origin}/graphql`,
    ...(services.realtimeUrl ? { realtimeUrl: services.realtimeUrl } : {}),
    userPoolId: 'us-east-1_fixture',
    userPoolClientId: FIXTURE_CLIENT_ID,
    userPoolEndpoint: `${origin}/cognito`,
    identityPoolId: '',
    guestAuthMode: 'none',
    chatMessagingEndpoint: services.chatMessagingEndpoint,
    replayBaseUrl: services.replayBaseUrl ?? origin,
    player: services.player ?? { lowLatency: true },
  };
}

/** A GraphQL request's operation name (`query Streamer(...)` → `Streamer`). */
export function operationName(query: string): string {
  return /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1] ?? '';
}

/**
 * How a fixture context answers one GraphQL request: the response body (`{ data }` or
 * `{ data, errors }`), or 'network' to fail the request as a dropped connection would.
 */
export type FixtureAnswer = (op: string, variables: Record<string, unknown>) => unknown;

/** A browser context on `viewport` (a phone with touch when `mobile`), signed in as `user` or a guest, whose API calls `answer` serves. */
export async function fixtureContext(
  browser: Browser,
  origin: string,
  opts: { user: FixtureUser | null; viewport: { width: number; height: number }; mobile?: boolean },
  answer: FixtureAnswer,
): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    viewport: opts.viewport,
    ...(opts.mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  if (opts.user) {
    await ctx.addInitScript(
      (entries: Record<string, string>) => {
        for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
      },
      signedInStorage(FIXTURE_CLIENT_ID, opts.user),
    );
  }
  // The watch page's first query (Channel) is the Streamer and PlaybackAccess queries in one request:
  // it is answered with what `answer` gives each, as the API resolves the two fields.
  const channelAnswer: FixtureAnswer = async (_op, variables) => {
    const parts = [await answer('Streamer', variables), await answer('PlaybackAccess', variables)];
    if (parts.includes('network')) return 'network';
    const bodies = parts as { data?: Record<string, unknown> | null; errors?: unknown[] }[];
    const errors = bodies.flatMap((b) => b.errors ?? []);
    return { data: Object.assign({}, ...bodies.map((b) => b.data ?? {})), ...(errors.length ? { errors } : {}) };
  };
  await ctx.route(`${origin}/graphql`, async (route) => {
    const body = route.request().postDataJSON() as { query: string; variables?: Record<string, unknown> };
    const op = operationName(body.query);
    const response = await (op === 'Channel' ? channelAnswer : answer)(op, body.variables ?? {});
    if (response === 'network') return route.abort('failed');
    await route.fulfill({ contentType: 'application/json', body: JSON.stringify(response) });
  });
  return ctx;
}

/**
 * The shared fixture's answers (`api.answer`), with the fixture streamer's `Streamer` answer carrying
 * `streamer`'s fields instead: a test that plays a real local IVS channel gives its playback URL here.
 */
export function fixtureAnswerWithStreamer(
  api: ReturnType<typeof fixtureApi>,
  streamer: Record<string, unknown>,
): FixtureAnswer {
  return (op, variables) => {
    const data = api.answer(op, variables) as Record<string, unknown> | null;
    if (op === 'Streamer' && data?.['streamer'])
      return { data: { streamer: { ...(data['streamer'] as object), ...streamer } } };
    // The watch page plays the URL playbackAccess answers (with a token when the channel is authorized).
    if (op === 'PlaybackAccess' && data?.['playbackAccess'] && streamer['playbackUrl'])
      return {
        data: { playbackAccess: { ...(data['playbackAccess'] as object), playbackUrl: streamer['playbackUrl'] } },
      };
    return { data };
  };
}

/** A running fixture site: its origin, the shared fixture answers, the fakes a test pushes through, and Chromium. */
export interface FixtureSite {
  origin: string;
  api: ReturnType<typeof fixtureApi>;
  chat: Awaited<ReturnType<typeof startFakeChat>>;
  rt: Awaited<ReturnType<typeof startFakeRealtime>>;
  browser: Browser;
  close(): Promise<void>;
}

/** Builds the web app if needed and starts a fixture site with a `seconds`-long test stream at `/hls/index.m3u8`. */
export async function startFixtureSite(seconds = 30): Promise<FixtureSite> {
  ensureBuild();
  const hls = makeFixtureHls(seconds);
  const chat = await startFakeChat();
  const rt = await startFakeRealtime();
  const site = await serveDist(
    (origin) => fixtureRuntimeConfig(origin, { chatMessagingEndpoint: chat.url, realtimeUrl: rt.url }),
    { '/hls/': hls },
  );
  const browser = await launchChromium();
  return {
    origin: site.origin,
    api: fixtureApi(site.origin),
    chat,
    rt,
    browser,
    async close() {
      await browser.close();
      await site.close();
      await chat.close();
      await rt.close();
      rmSync(hls, { recursive: true, force: true });
    },
  };
}
