/**
 * `npm start -- --demo`: a demo streamer (handle `demo`) signed up through local Cognito like any
 * user, its channel provisioned through GraphQL, a small product catalog, and an ffmpeg test
 * pattern with the wall clock on it pushed into its channel, so a newcomer sees a live stream with
 * products at once; then the show around it (local/demo-show/: a past show and a simulated audience, in
 * a process of their own that uses only the public endpoints) and a "what to try" list.
 *
 * Every step is safe to run again (sign-up signs in an existing user, provisioning is idempotent,
 * products are created only for titles the channel lacks), so a step that fails with what a client
 * may retry (an INTERNAL or Lambda error, a refused or reset connection) is retried with backoff,
 * and a step that still fails ends the setup with a DemoSetupError naming the step and the reason.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  CognitoApiError,
  GraphqlError,
  gql,
  provisionChannel,
  ProvisioningFailedError,
  signUpAndIn,
  type LocalSession,
} from './client';
import { clearStaleChildren, spawnGuarded } from './process/children';
import { AUDIENCE, DEMO_STREAMER, PAST_SHOW_STREAMER } from './demo-show/accounts';
import { canDrawClock, testPatternArgs } from './demo-show/clock';
import { whatToTry } from './demo-show/guide';
import { launchDemoShow, type DemoShow } from './demo-show/launch';
import type { LocalPlatform } from './start';

export const DEMO = DEMO_STREAMER;

// The auctions run a minute or two and a bid in their last 15 s adds time (soft close), so a newcomer sees one end.
const CATALOG = [
  {
    title: 'Rookie trading card, graded',
    type: 'COLLECTIBLE',
    params: JSON.stringify({ grade: 'PSA 9', year: 2003 }),
    saleMode: 'AUCTION',
    startingBid: 5000,
    durationSeconds: 90,
    softCloseSeconds: 15,
  },
  {
    title: 'Vintage denim jacket',
    type: 'APPAREL',
    params: JSON.stringify({ size: 'M', colour: 'Indigo' }),
    saleMode: 'AUCTION_WITH_BUY_NOW',
    startingBid: 2500,
    buyNowPrice: 9000,
    durationSeconds: 120,
    softCloseSeconds: 15,
  },
  { title: 'Canvas tote bag', type: 'GENERIC', saleMode: 'BUY_NOW', buyNowPrice: 1800 },
];

/** A demo setup step that failed for good: which step, after how many attempts, and why. */
export class DemoSetupError extends Error {
  constructor(
    readonly step: string,
    readonly attempts: number,
    readonly reason: string,
  ) {
    super(`Demo setup failed at "${step}" after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`);
    this.name = 'DemoSetupError';
  }
}

/** Server-side and transport failures a client may retry; refusals (validation, authorization) are not. */
const RETRYABLE_GRAPHQL = new Set([
  'INTERNAL',
  'Lambda:Unhandled',
  'Lambda:ExecutionTimeout',
  'HTTP500',
  'HTTP502',
  'HTTP503',
  'HTTP504',
]);
const RETRYABLE_COGNITO = new Set([
  'InternalErrorException',
  'TooManyRequestsException',
  'UnexpectedLambdaException',
  'UserLambdaValidationException',
]);

/** Whether `error` is worth another attempt of an idempotent step. */
export function isRetryable(error: unknown): boolean {
  // A failed setup run is started again by the next provisionMe, as the Studio's "Try again" does.
  if (error instanceof ProvisioningFailedError) return true;
  if (error instanceof GraphqlError) return error.types.every((t) => RETRYABLE_GRAPHQL.has(t));
  if (error instanceof CognitoApiError) return error.status >= 500 || RETRYABLE_COGNITO.has(error.type);
  const code =
    (error as { cause?: { code?: string } } | undefined)?.cause?.code ?? (error as { code?: string } | undefined)?.code;
  // fetch's "fetch failed" (refused, reset, timed out connections) carries the socket error as its cause.
  return (
    (error instanceof TypeError && /fetch failed/.test(error.message)) ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(code ?? '')
  );
}

export interface DemoStepOptions {
  /** @default 4 */
  readonly attempts?: number;
  /** First backoff; doubles each attempt. @default 500 */
  readonly baseDelayMs?: number;
  readonly say?: (line: string) => void;
}

/** Runs one idempotent setup step, retrying what `isRetryable` allows; throws a DemoSetupError otherwise. */
export async function demoStep<T>(name: string, work: () => Promise<T>, opts: DemoStepOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (attempt >= attempts || !isRetryable(error)) throw new DemoSetupError(name, attempt, reason);
      const delay = (opts.baseDelayMs ?? 500) * 2 ** (attempt - 1);
      opts.say?.(`demo: ${name} failed (${reason}); trying again in ${(delay / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export async function runDemo(platform: LocalPlatform, say: (line: string) => void): Promise<{ ffmpeg: ChildProcess }> {
  const e = platform.endpoints;
  const opts = { say };
  const session: LocalSession = await demoStep(
    'sign up and sign in the demo streamer',
    () =>
      signUpAndIn({
        cognitoUrl: e.cognitoUrl,
        clientId: platform.userPoolClientId,
        outboxDir: join(platform.dataDir, 'outbox'),
        ...DEMO,
      }),
    opts,
  );
  await demoStep(
    'provision the demo channel',
    () => provisionChannel(e.graphqlUrl, session.idToken, DEMO.handle),
    opts,
  );
  // The show goes on without a title: this step only warns.
  await demoStep(
    'set the demo stream details',
    () =>
      gql(
        e.graphqlUrl,
        'mutation($i: UpdateStreamDetailsInput!) { updateStreamDetails(input: $i) { userId } }',
        {
          i: {
            title: 'Demo show: vintage jackets and trading cards',
            category: 'Fashion',
            tags: ['vintage', 'demo'],
            language: 'en',
            goingLiveMessage: 'The demo show is live!',
          },
        },
        session.accessToken,
      ),
    opts,
  ).catch((error: unknown) => say(`demo: ${(error as Error).message}; the stream runs without its title and tags`));
  // A create that failed may still have written its product: each attempt creates only the titles the channel lacks.
  await demoStep(
    'create the demo products',
    async () => {
      const { products } = await gql<{ products: { title: string }[] }>(
        e.graphqlUrl,
        'query($c: ID!) { products(channelId: $c) { title } }',
        { c: session.sub },
        session.accessToken,
      );
      const have = new Set(products.map((p) => p.title));
      for (const p of CATALOG.filter((c) => !have.has(c.title))) {
        await gql(
          e.graphqlUrl,
          'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
          { i: { channelId: session.sub, currency: 'USD', ...p } },
          session.accessToken,
        );
      }
    },
    opts,
  );
  const { myStreamKey } = await demoStep(
    'read the demo stream key',
    () =>
      gql<{ myStreamKey: { streamKey: string } }>(
        e.graphqlUrl,
        'query { myStreamKey { streamKey } }',
        {},
        session.accessToken,
      ),
    opts,
  );
  const pidFile = join(platform.dataDir, 'demo-ffmpeg.pid');
  await clearStaleChildren(pidFile);
  // 0.5 s keyframes: the local IVS cuts 0.5 s segments without re-encoding (docs/local-ivs.md).
  const clock = canDrawClock();
  if (!clock)
    say(
      'demo: this ffmpeg cannot draw text (drawtext or a monospace font is missing): the test pattern goes out without its clock.',
    );
  const ffmpeg = spawnGuarded(
    'ffmpeg',
    [
      ...testPatternArgs({ size: '1280x720', fps: 30, keyframeSeconds: 0.5, videoKbps: 2500, clock }),
      '-f',
      'flv',
      `${e.rtmpUrl}${myStreamKey.streamKey}`,
    ],
    { stdout: 'ignore', stderr: 'ignore', pidFile },
  );
  say(`Demo streamer: ${DEMO.email} / ${DEMO.password} (handle @${DEMO.handle}). Watch: ${e.webUrl}/u/${DEMO.handle}`);
  return { ffmpeg };
}

export interface DemoOptions {
  /** No simulated audience (`--demo --quiet`). @default false */
  readonly quiet?: boolean;
  readonly say: (line: string) => void;
}

export interface RunningDemo {
  readonly ffmpeg: ChildProcess;
  /** The past show and the audience (local/demo-show/main.ts). */
  readonly show: DemoShow;
  /** Stops the audience, then the test pattern. */
  stop(): Promise<void>;
}

/**
 * The whole demo: the show process starts first (its sign-ups and the past show overlap the demo
 * streamer's setup), then the demo streamer goes live, then the "what to try" list is printed.
 * Throws a DemoSetupError when the demo streamer cannot be set up.
 */
export async function startDemo(platform: LocalPlatform, opts: DemoOptions): Promise<RunningDemo> {
  const e = platform.endpoints;
  const outboxDir = join(platform.dataDir, 'outbox');
  const pidFile = join(platform.dataDir, 'demo-show.pid');
  await clearStaleChildren(pidFile);
  const show = launchDemoShow({ webUrl: e.webUrl, outboxDir, quiet: opts.quiet, say: opts.say, pidFile });
  try {
    const { ffmpeg } = await runDemo(platform, opts.say);
    const accounts = await show.next('accounts').catch((error: unknown) => {
      opts.say(`demo: ${(error as Error).message}; the list below lacks @${PAST_SHOW_STREAMER.handle}'s stream key.`);
      return undefined;
    });
    const pastShowReady = show.events.some((ev) => ev.type === 'past-show');
    for (const line of whatToTry({
      webUrl: e.webUrl,
      outboxDir,
      streamer: DEMO_STREAMER,
      audience: opts.quiet ? 0 : AUDIENCE.length,
      pastShowReady,
      pastShow: {
        ...PAST_SHOW_STREAMER,
        ...(accounts ? { ingestServer: accounts.obs.ingestServer, streamKey: accounts.obs.streamKey } : {}),
      },
    }))
      opts.say(line);
    return {
      ffmpeg,
      show,
      async stop() {
        await show.stop();
        ffmpeg.kill('SIGKILL');
      },
    };
  } catch (error) {
    await show.stop();
    throw error;
  }
}
