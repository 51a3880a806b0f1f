/**
 * Shared pieces of the fault tests: a local platform of its own (free ports, a temporary data
 * directory, no web app), accounts through the local Cognito, raw GraphQL answers (HTTP status
 * kept, errors not thrown) and polling with a deadline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signIn, type LocalSession } from '../../../local/client';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { CognitoClient, CognitoError } from '../../../scripts/smoke/cognito';
import { startLocalPlatform, type LocalPlatform, type LocalPlatformOptions } from '../../../local/start';

export const PASSWORD = 'Local-Test-Pass-1!';

/**
 * Bound of a fault test's setup (a platform start, accounts, a channel): generous because a loaded
 * 2-core machine has taken over three minutes for it, still finite so a hung part fails the run.
 */
export const SETUP_TIMEOUT_MS = 420_000;

/** A platform on free ports over `dataDir` (a new temporary one when absent); its log lines are kept, not printed. */
export async function startPlatform(
  dataDir?: string,
  opts: LocalPlatformOptions = {},
): Promise<{ platform: LocalPlatform; dataDir: string; log: string[] }> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'faults-'));
  const log: string[] = [];
  const t0 = Date.now();
  const platform = await startLocalPlatform({
    dataDir: dir,
    ports: 'free',
    web: false,
    scheduleEveryMs: 2000,
    log: (line) => log.push(line),
    ...opts,
  });
  console.info(`local platform up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { platform, dataDir: dir, log };
}

/** Removes a test's data directory (after its platform has stopped). */
export function removeDataDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * Signs up, confirms as an operator would (AdminConfirmSignUp: no wait for the code's box in
 * cognito-local's output, which a loaded machine can hold back for many seconds) and signs in.
 */
export async function account(platform: LocalPlatform, email: string, handle: string): Promise<LocalSession> {
  const e = platform.endpoints;
  const cognito = new CognitoClient({ region: LOCAL_REGION, endpoint: e.cognitoUrl, credentials: LOCAL_CREDENTIALS });
  try {
    await cognito.call('SignUp', {
      ClientId: platform.userPoolClientId,
      Username: email,
      Password: PASSWORD,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'preferred_username', Value: handle },
      ],
    });
    await cognito.admin('AdminConfirmSignUp', { UserPoolId: platform.userPoolId, Username: email });
  } catch (error) {
    if (!(error instanceof CognitoError && error.name === 'UsernameExistsException')) throw error;
  }
  return signIn({ cognitoUrl: e.cognitoUrl, clientId: platform.userPoolClientId, email, password: PASSWORD });
}

export interface GqlError {
  message: string;
  errorType?: string | null;
  errorInfo?: unknown;
}
/** One GraphQL answer as the client receives it: HTTP status, data and errors. */
export interface RawAnswer<T> {
  status: number;
  data?: T | null;
  errors?: GqlError[];
}

/** Posts a GraphQL operation and returns the answer whatever it is (a network failure throws). */
export async function rawGql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<RawAnswer<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json().catch(() => ({}))) as { data?: T | null; errors?: GqlError[] };
  return { status: res.status, data: body.data, errors: body.errors };
}

/** Polls `probe` until it answers something truthy; throws naming `what` after `ms`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  ms = 30_000,
  every = 250,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, every));
  }
}
