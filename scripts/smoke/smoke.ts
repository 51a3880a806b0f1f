/**
 * The deployment smoke test: what a new user does first, run against a deployed stack (or the
 * local mode) in well under a minute. Starting from the web URL alone it reads the runtime config
 * the web app reads, signs up a throwaway user, confirms it with the operator's credentials
 * (AdminConfirmSignUp), signs in with USER_PASSWORD_AUTH, provisions a channel and waits until it
 * is ready, mints a chat token, fetches a replay's HLS playlist through the replay distribution
 * (with the web app's Origin, so a CORS mistake shows), and deletes what it created.
 *
 * `scripts/smoke.ts` is the command line; tests call {@link runSmoke} directly.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DeleteChannelCommand,
  DeleteStreamKeyCommand,
  IvsClient,
  ListChannelsCommand,
  ListStreamKeysCommand,
} from '@aws-sdk/client-ivs';
import { DeleteRoomCommand, IvschatClient, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { runtimeConfigSchema } from '../../frontend/src/lib/config';
import { CognitoClient, CognitoError } from './cognito';

/** One line of the report. */
export interface StepResult {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  ms: number;
  /** A sentence for a person: what was checked, or what is wrong and where to look. */
  detail: string;
}

export interface SmokeReport {
  /** True when no step failed (skipped steps do not fail the run). */
  ok: boolean;
  steps: StepResult[];
}

export interface SmokeOptions {
  /** The web app's URL (stack output `WebUrl`); everything else comes from its runtime config. */
  webUrl: string;
  /** The operator's AWS credentials: AdminConfirmSignUp, AdminDeleteUser and the IVS cleanup. */
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Address of the throwaway user. @default `success+<random>@simulator.amazonses.com` (SES mailbox simulator) */
  email?: string;
  /** How long provisioning may take before the step fails. @default 120000 */
  provisionTimeoutMs?: number;
  /** Pause between provisioning polls. @default 2000 */
  pollEveryMs?: number;
  /** Time limit of each HTTP request. @default 20000 */
  requestTimeoutMs?: number;
  /** IVS and IVS Chat endpoints for the cleanup (tests); otherwise the SDK's own resolution (`AWS_ENDPOINT_URL_<SERVICE>`, then AWS). */
  endpoints?: { ivs?: string; ivschat?: string };
  /** Called as each step finishes, so the command line can print while the run continues. */
  onStep?: (step: StepResult) => void;
  fetch?: typeof fetch;
}

/** Step names, in order. */
export const STEPS = [
  'runtime config',
  'sign up',
  'confirm sign-up',
  'sign in',
  'provision',
  'chat token',
  'replay playlist',
  'clean up',
] as const;
type StepName = (typeof STEPS)[number];

/** Thrown inside a step to end it as skipped rather than failed. */
class Skip extends Error {}

interface Session {
  accessToken: string;
  userId: string;
}

const DEFAULT_PROVISION_TIMEOUT_MS = 120_000;

/** A password that satisfies the user pool's policy (12+ characters, upper, lower, digit, symbol). */
function throwawayPassword(): string {
  return `Smoke-${randomBytes(12).toString('hex')}-A1!`;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name did not resolve (DNS)',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
};

/** Explains a failed call in a few words: the network error behind `fetch failed`, or the error's message. */
export function explainError(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time';
  const code = e?.cause?.code;
  if (code) return NETWORK_ERRORS[code] ?? `${code}${e.cause?.message ? ` (${e.cause.message})` : ''}`;
  if (e?.cause?.message) return `${e.message}: ${e.cause.message}`;
  return e instanceof Error ? e.message : String(error);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs every step against the deployment at `opts.webUrl` and returns the report. Never throws
 * for a failed check: a failure is a step with status `failed`, later steps that depend on it are
 * `skipped`, and the clean-up step always runs for whatever was created.
 */
export async function runSmoke(opts: SmokeOptions): Promise<SmokeReport> {
  const doFetch = opts.fetch ?? fetch;
  const timeout = opts.requestTimeoutMs ?? 20_000;
  const steps: StepResult[] = [];
  const record = (r: StepResult) => {
    steps.push(r);
    opts.onStep?.(r);
  };

  /** Runs a step unless one it needs did not pass; a thrown {@link Skip} ends it as skipped. */
  const step = async <T>(
    name: StepName,
    needs: StepName[],
    run: () => Promise<{ value: T; detail: string }>,
  ): Promise<T | undefined> => {
    const missing = needs.find((n) => steps.find((s) => s.name === n)?.status !== 'ok');
    if (missing) {
      const failed = steps.find((s) => s.name === missing)?.status === 'failed';
      record({
        name,
        status: 'skipped',
        ms: 0,
        detail: `not run: the ${missing} step ${failed ? 'failed' : 'did not run'}.`,
      });
      return undefined;
    }
    const started = performance.now();
    let result: StepResult;
    let value: T | undefined;
    try {
      const out = await run();
      value = out.value;
      result = { name, status: 'ok', ms: performance.now() - started, detail: out.detail };
    } catch (error) {
      result = {
        name,
        status: error instanceof Skip ? 'skipped' : 'failed',
        ms: performance.now() - started,
        detail: explainError(error),
      };
    }
    record(result);
    return value;
  };

  const unreachable = (what: string, url: string, error: unknown) =>
    new Error(
      `Could not reach ${what} at ${url}: ${(error as Error)?.name === 'TimeoutError' ? `no answer within ${timeout / 1000} s` : explainError(error)}.`,
    );

  const getConfig = async (url: string): Promise<unknown> => {
    let res: Response;
    try {
      res = await doFetch(url, {
        headers: { accept: 'application/json' },
        cache: 'no-store',
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      throw unreachable('the web app', url, error);
    }
    const text = await res.text();
    if (!res.ok)
      throw new Error(
        `The web app's runtime config ${url} answered HTTP ${res.status}${text ? ` (${text.slice(0, 120).replace(/\s+/g, ' ').trim()})` : ''}: the app cannot load its settings.`,
      );
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(
        `The web app's runtime config ${url} is not JSON (it starts with ${JSON.stringify(text.slice(0, 40))}): the app cannot load its settings.`,
      );
    }
  };

  // 1. The runtime config, as the web app loads it.
  const webUrl = opts.webUrl.replace(/\/+$/, '');
  const config = await step('runtime config', [], async () => {
    const raw = await getConfig(`${webUrl}/runtime-config.json`);
    const parsed = runtimeConfigSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `The runtime config does not match what the web app expects: ${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}.`,
      );
    }
    const cfg = parsed.data;
    return {
      value: cfg,
      detail: `stage ${cfg.stage || '(none)'}, region ${cfg.region}, API ${new URL(cfg.graphqlUrl).host}`,
    };
  });

  const cognito =
    config &&
    new CognitoClient({
      region: config.region,
      endpoint: config.userPoolEndpoint || undefined,
      credentials: opts.credentials,
      fetch: doFetch,
    });
  const id = randomBytes(4).toString('hex');
  const email = opts.email ?? `success+smoke-${id}@simulator.amazonses.com`;
  const handle = `smoke_${id}`;
  const password = throwawayPassword();
  let signedUp = false;

  // 2-4. Sign-up, the operator's confirmation, sign-in.
  await step('sign up', ['runtime config'], async () => {
    const signUp = (attributes: { Name: string; Value: string }[]) =>
      cognito!.call('SignUp', {
        ClientId: config!.userPoolClientId,
        Username: email,
        Password: password,
        UserAttributes: attributes,
      });
    const withEmail = [{ Name: 'email', Value: email }];
    try {
      await signUp([...withEmail, { Name: 'preferred_username', Value: handle }]);
    } catch (error) {
      // A pool whose client may not write the handle (the platform owns it, and provisionMe
      // claims it) refuses the attribute: sign up as its form does then, with the email alone.
      if (!(error instanceof CognitoError && /unauthorized attribute/i.test(error.message))) throw error;
      await signUp(withEmail);
    }
    signedUp = true;
    return { value: true, detail: `${email} (handle ${handle})` };
  });
  await step('confirm sign-up', ['sign up'], async () => {
    try {
      await cognito!.admin('AdminConfirmSignUp', { UserPoolId: config!.userPoolId, Username: email });
    } catch (error) {
      if (
        error instanceof CognitoError &&
        (error.name === 'AccessDeniedException' ||
          error.name === 'UnrecognizedClientException' ||
          error.name === 'InvalidSignatureException')
      ) {
        throw new Error(
          `${error.message}. The smoke test confirms its user with your AWS credentials: they need cognito-idp:AdminConfirmSignUp and AdminDeleteUser on the user pool ${config!.userPoolId}.`,
        );
      }
      throw error;
    }
    return { value: true, detail: 'confirmed with AdminConfirmSignUp' };
  });
  const session = await step('sign in', ['confirm sign-up'], async () => {
    const out = await cognito!.call<{ AuthenticationResult?: { AccessToken?: string }; ChallengeName?: string }>(
      'InitiateAuth',
      {
        ClientId: config!.userPoolClientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      },
    );
    const token = out.AuthenticationResult?.AccessToken;
    if (!token)
      throw new Error(
        `Sign-in answered the challenge ${out.ChallengeName ?? '(none)'} instead of tokens; a new user should get tokens directly.`,
      );
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: string };
    if (!claims.sub) throw new Error('The access token carries no `sub` claim.');
    return {
      value: { accessToken: token, userId: claims.sub } satisfies Session,
      detail: 'USER_PASSWORD_AUTH, access token received',
    };
  });

  const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    let res: Response;
    try {
      res = await doFetch(config!.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: session!.accessToken },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      throw unreachable('the GraphQL API', config!.graphqlUrl, error);
    }
    const body = (await res.json().catch(() => ({}))) as {
      data?: T;
      errors?: { message: string; errorType?: string }[];
    };
    if (body.errors?.length)
      throw new Error(body.errors.map((e) => `${e.errorType ?? 'Error'}: ${e.message}`).join('; '));
    if (!res.ok || !body.data) throw new Error(`The GraphQL API answered HTTP ${res.status} without data.`);
    return body.data;
  };

  // 5. Provisioning. `provisionMe` may finish the job or only start it (asynchronous provisioning
  // answers before the channel exists), so its answer is not trusted: the channel is ready once the
  // profile (`me`) and the owner's stream key (`myStreamKey`) are both there.
  await step('provision', ['sign in'], async () => {
    await gql('mutation Provision($handle: String) { provisionMe(handle: $handle) { __typename } }', { handle });
    const deadline = Date.now() + (opts.provisionTimeoutMs ?? DEFAULT_PROVISION_TIMEOUT_MS);
    let last = 'no answer yet';
    for (let polls = 1; ; polls++) {
      try {
        const d = await gql<{ me: { userId: string } | null; myStreamKey: { ingestServer: string } | null }>(
          'query Ready { me { userId } myStreamKey { ingestServer } }',
        );
        if (d.me && d.myStreamKey)
          return {
            value: true,
            detail: `channel ready (${polls} ${polls === 1 ? 'poll' : 'polls'}), ingest ${d.myStreamKey.ingestServer}`,
          };
        last = !d.me ? 'no profile yet' : 'profile but no stream key yet';
      } catch (error) {
        last = explainError(error);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `The channel was not ready after ${Math.round((opts.provisionTimeoutMs ?? DEFAULT_PROVISION_TIMEOUT_MS) / 1000)} s (last answer: ${last}). Check the provision-streamer function's logs.`,
        );
      }
      await sleep(opts.pollEveryMs ?? 2_000);
    }
  });

  // 6. A chat token for the new channel's room.
  await step('chat token', ['provision'], async () => {
    const d = await gql<{ createChatToken: { token: string; role: string; capabilities: string[] } }>(
      'mutation Chat($channelId: ID!) { createChatToken(channelId: $channelId) { token role capabilities } }',
      { channelId: session!.userId },
    );
    const t = d.createChatToken;
    if (!t.token) throw new Error('createChatToken answered an empty token.');
    if (t.role !== 'STREAMER') throw new Error(`The channel's owner got the chat role ${t.role}, not STREAMER.`);
    return { value: true, detail: `role ${t.role}, capabilities ${t.capabilities.join(', ') || 'none'}` };
  });

  // 7. The newest replay's playlist through the replay distribution, as a browser on the site asks.
  await step('replay playlist', ['sign in'], async () => {
    const d = await gql<{ recentReplays: { items: { recordingId: string; state: string; handle: string | null }[] } }>(
      'query Replays { recentReplays(limit: 10) { items { recordingId state handle } } }',
    );
    const recording = d.recentReplays.items.find((r) => r.state === 'AVAILABLE');
    if (!recording)
      throw new Skip(
        'no replay yet: nobody has finished a stream on this deployment, so there is no playlist to fetch.',
      );
    const { replay } = await gql<{
      replay: { status: string; playbackUrl: string | null; readyInSeconds: number | null } | null;
    }>('query Replay($id: ID!) { replay(recordingId: $id) { status playbackUrl readyInSeconds } }', {
      id: recording.recordingId,
    });
    if (!replay)
      throw new Error(`recentReplays lists ${recording.recordingId}, but replay(recordingId) finds nothing.`);
    if (replay.status === 'RESTORING')
      throw new Skip(
        `the newest replay (${recording.recordingId}) is in an archive tier and is being restored (ready in about ${replay.readyInSeconds ?? '?'} s); its playlist was not fetched.`,
      );
    if (replay.status !== 'READY' || !replay.playbackUrl)
      throw new Error(`The newest replay (${recording.recordingId}) is ${replay.status} with no playback URL.`);
    const url = replay.playbackUrl;
    if (config!.replayBaseUrl && !url.startsWith(config!.replayBaseUrl)) {
      throw new Error(
        `The replay URL ${url} is not under the runtime config's replayBaseUrl ${config!.replayBaseUrl}.`,
      );
    }
    const origin = new URL(webUrl).origin;
    let res: Response;
    try {
      res = await doFetch(url, { headers: { origin }, signal: AbortSignal.timeout(timeout) });
    } catch (error) {
      throw unreachable('the replay playlist', url, error);
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`The replay playlist ${url} answered HTTP ${res.status}.`);
    if (!text.startsWith('#EXTM3U'))
      throw new Error(`${url} is not an HLS playlist (it starts with ${JSON.stringify(text.slice(0, 40))}).`);
    const allowed = res.headers.get('access-control-allow-origin');
    if (allowed !== '*' && allowed !== origin) {
      throw new Error(
        `The replay playlist answers Access-Control-Allow-Origin ${allowed ? `"${allowed}"` : '(none)'} to the web app's origin ${origin}: browsers on the site cannot play replays. Add the site to the stage config's webOrigins.`,
      );
    }
    return {
      value: true,
      detail: `${recording.recordingId}${recording.handle ? ` by ${recording.handle}` : ''}: ${new URL(url).host}, HTTP ${res.status}, ${text.length} bytes, CORS ${allowed}`,
    };
  });

  // 8. Clean up whatever was created, even after a failure.
  if (signedUp && cognito) {
    await step('clean up', [], async () => {
      const deleted: string[] = [];
      let ivsError: unknown;
      if (session) {
        try {
          const { channels, rooms } = await deleteRuntimeResources(session.userId, config!.region, opts);
          deleted.push(
            `${channels} IVS channel${channels === 1 ? '' : 's'}`,
            `${rooms} chat room${rooms === 1 ? '' : 's'}`,
          );
        } catch (error) {
          ivsError = error;
        }
      }
      await cognito.admin('AdminDeleteUser', { UserPoolId: config!.userPoolId, Username: email });
      deleted.unshift('the user');
      if (ivsError) {
        throw new Error(
          `Deleted the user, but not its IVS channel and chat room (tag owner=${session!.userId}): ${explainError(ivsError)}. Delete them by hand, or let stack deletion remove them.`,
        );
      }
      return {
        value: true,
        detail: `deleted ${deleted.join(', ')}; the profile and handle ${handle} stay in the table`,
      };
    });
  } else {
    record({ name: 'clean up', status: 'skipped', ms: 0, detail: 'nothing was created.' });
  }

  return { ok: steps.every((s) => s.status !== 'failed'), steps };
}

/**
 * Deletes the IVS channel (with its stream keys) and the IVS Chat room the platform created for
 * `userId`, found by the `owner` tag provisioning puts on both.
 */
async function deleteRuntimeResources(
  userId: string,
  region: string,
  opts: SmokeOptions,
): Promise<{ channels: number; rooms: number }> {
  const ivs = new IvsClient({
    region,
    credentials: opts.credentials,
    ...(opts.endpoints?.ivs ? { endpoint: opts.endpoints.ivs } : {}),
  });
  const ivschat = new IvschatClient({
    region,
    credentials: opts.credentials,
    ...(opts.endpoints?.ivschat ? { endpoint: opts.endpoints.ivschat } : {}),
  });
  try {
    const channelArns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ivs.send(new ListChannelsCommand({ nextToken, maxResults: 100 }));
      for (const c of page.channels ?? []) if (c.arn && c.tags?.owner === userId) channelArns.push(c.arn);
      nextToken = page.nextToken;
    } while (nextToken);
    for (const arn of channelArns) {
      const keys = await ivs.send(new ListStreamKeysCommand({ channelArn: arn }));
      for (const key of keys.streamKeys ?? [])
        if (key.arn) await ivs.send(new DeleteStreamKeyCommand({ arn: key.arn }));
      await ivs.send(new DeleteChannelCommand({ arn }));
    }
    const roomArns: string[] = [];
    let roomsToken: string | undefined;
    do {
      const page = await ivschat.send(new ListRoomsCommand({ nextToken: roomsToken, maxResults: 50 }));
      for (const r of page.rooms ?? []) if (r.arn && r.tags?.owner === userId) roomArns.push(r.arn);
      roomsToken = page.nextToken;
    } while (roomsToken);
    for (const arn of roomArns) await ivschat.send(new DeleteRoomCommand({ identifier: arn }));
    return { channels: channelArns.length, rooms: roomArns.length };
  } finally {
    ivs.destroy();
    ivschat.destroy();
  }
}

/** Reads `WebUrl` from a `cdk deploy --outputs-file` file: `{ "<stack>": { "WebUrl": ... } }`. */
export function webUrlFromOutputs(file: string, stack?: string): string {
  let outputs: Record<string, Record<string, string>>;
  try {
    outputs = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  } catch (error) {
    throw new Error(`Cannot read the stack outputs file ${file}: ${(error as Error).message}`);
  }
  const withUrl = Object.entries(outputs).filter(([name, o]) => o?.WebUrl && (!stack || name === stack));
  if (withUrl.length === 0)
    throw new Error(
      `${file} has no ${stack ? `stack "${stack}" with a ` : ''}WebUrl output (stacks: ${Object.keys(outputs).join(', ') || 'none'}).`,
    );
  if (withUrl.length > 1)
    throw new Error(
      `${file} has several stacks with a WebUrl (${withUrl.map(([n]) => n).join(', ')}): pick one with --stack.`,
    );
  return withUrl[0]![1].WebUrl!;
}

/** One report line: `✓ sign in  (412 ms)  USER_PASSWORD_AUTH, access token received`. */
export function formatStep(s: StepResult): string {
  const mark = s.status === 'ok' ? '✓' : s.status === 'failed' ? '✗' : '–';
  const time =
    s.status === 'skipped' && s.ms === 0
      ? ''
      : ` (${s.ms < 1000 ? `${Math.round(s.ms)} ms` : `${(s.ms / 1000).toFixed(1)} s`})`;
  return `${mark} ${s.name}${time}: ${s.detail}`;
}
