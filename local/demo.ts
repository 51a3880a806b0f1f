/**
 * `npm start -- --demo`: a demo streamer (handle `demo`) signed up through local Cognito like any
 * user, its channel provisioned through GraphQL, a small product catalog, and an ffmpeg test
 * pattern pushed into its channel, so a newcomer sees a live stream with products at once.
 *
 * Every step is safe to run again (sign-up signs in an existing user, provisioning is idempotent,
 * products are created only for titles the channel lacks), so a step that fails with what a client
 * may retry (an INTERNAL or Lambda error, a refused or reset connection) is retried with backoff,
 * and a step that still fails ends the setup with a DemoSetupError naming the step and the reason.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CognitoApiError, GraphqlError, gql, provisionChannel, ProvisioningFailedError, signUpAndIn, type LocalSession } from './client';
import { clearStaleChildren, spawnGuarded } from './process/children';
import type { LocalPlatform } from './start';

export const DEMO = { email: 'demo@example.com', password: 'Demo-Stream-2026!', handle: 'demo' };

const CATALOG = [
  { title: 'Vintage denim jacket', type: 'APPAREL', params: JSON.stringify({ size: 'M', colour: 'Indigo' }), saleMode: 'AUCTION_WITH_BUY_NOW', startingBid: 2500, buyNowPrice: 9000, durationSeconds: 300 },
  { title: 'Rookie trading card, graded', type: 'COLLECTIBLE', params: JSON.stringify({ grade: 'PSA 9', year: 2003 }), saleMode: 'AUCTION', startingBid: 5000, durationSeconds: 180 },
  { title: 'Canvas tote bag', type: 'GENERIC', saleMode: 'BUY_NOW', buyNowPrice: 1800 },
];

/** A demo setup step that failed for good: which step, after how many attempts, and why. */
export class DemoSetupError extends Error {
  constructor(readonly step: string, readonly attempts: number, readonly reason: string) {
    super(`Demo setup failed at "${step}" after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`);
    this.name = 'DemoSetupError';
  }
}

/** Server-side and transport failures a client may retry; refusals (validation, authorization) are not. */
const RETRYABLE_GRAPHQL = new Set(['INTERNAL', 'Lambda:Unhandled', 'Lambda:ExecutionTimeout', 'HTTP500', 'HTTP502', 'HTTP503', 'HTTP504']);
const RETRYABLE_COGNITO = new Set(['InternalErrorException', 'TooManyRequestsException', 'UnexpectedLambdaException', 'UserLambdaValidationException']);

/** Whether `error` is worth another attempt of an idempotent step. */
export function isRetryable(error: unknown): boolean {
  // A failed setup run is started again by the next provisionMe, as the Studio's "Try again" does.
  if (error instanceof ProvisioningFailedError) return true;
  if (error instanceof GraphqlError) return error.types.every((t) => RETRYABLE_GRAPHQL.has(t));
  if (error instanceof CognitoApiError) return error.status >= 500 || RETRYABLE_COGNITO.has(error.type);
  const code = (error as { cause?: { code?: string } } | undefined)?.cause?.code ?? (error as { code?: string } | undefined)?.code;
  // fetch's "fetch failed" (refused, reset, timed out connections) carries the socket error as its cause.
  return error instanceof TypeError && /fetch failed/.test(error.message) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(code ?? '');
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
  const session: LocalSession = await demoStep('sign up and sign in the demo streamer', () =>
    signUpAndIn({ cognitoUrl: e.cognitoUrl, clientId: platform.userPoolClientId, outboxDir: join(platform.dataDir, 'outbox'), ...DEMO }), opts);
  await demoStep('provision the demo channel', () => provisionChannel(e.graphqlUrl, session.idToken, DEMO.handle), opts);
  // The show goes on without a title: this step only warns.
  await demoStep('set the demo stream details', () => gql(e.graphqlUrl, 'mutation($i: UpdateStreamDetailsInput!) { updateStreamDetails(input: $i) { userId } }', {
    i: { title: 'Demo show: vintage jackets and trading cards', category: 'Fashion', tags: ['vintage', 'demo'], language: 'en', goingLiveMessage: 'The demo show is live!' },
  }, session.accessToken), opts).catch((error: unknown) => say(`demo: ${(error as Error).message}; the stream runs without its title and tags`));
  // A create that failed may still have written its product: each attempt creates only the titles the channel lacks.
  await demoStep('create the demo products', async () => {
    const { products } = await gql<{ products: { title: string }[] }>(e.graphqlUrl, 'query($c: ID!) { products(channelId: $c) { title } }', { c: session.sub }, session.accessToken);
    const have = new Set(products.map((p) => p.title));
    for (const p of CATALOG.filter((c) => !have.has(c.title))) {
      await gql(e.graphqlUrl, 'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }', { i: { channelId: session.sub, currency: 'USD', ...p } }, session.accessToken);
    }
  }, opts);
  const { myStreamKey } = await demoStep('read the demo stream key', () =>
    gql<{ myStreamKey: { streamKey: string } }>(e.graphqlUrl, 'query { myStreamKey { streamKey } }', {}, session.accessToken), opts);
  const pidFile = join(platform.dataDir, 'demo-ffmpeg.pid');
  await clearStaleChildren(pidFile);
  const ffmpeg = spawnGuarded('ffmpeg', ['-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '15', '-keyint_min', '15', '-b:v', '2500k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'flv', `${e.rtmpUrl}${myStreamKey.streamKey}`],
  { stdout: 'ignore', stderr: 'ignore', pidFile });
  say(`Demo streamer: ${DEMO.email} / ${DEMO.password} (handle @${DEMO.handle}). Watch: ${e.webUrl}/u/${DEMO.handle}`);
  return { ffmpeg };
}
