import type { RuntimeConfig } from './config';

// The config module (and zod) loads on first API use, not with the page.
const loadConfig = async (): Promise<RuntimeConfig> => (await import('./config')).loadConfig();
import { backoffDelay } from './backoff';

/** Which Amplify auth mode a call uses: signed-in users → user pool; guests → the config's guest mode. */
export function pickAuthMode(signedIn: boolean, guestAuthMode: 'iam' | 'unsigned' | 'none'): AuthMode | null {
  if (signedIn) return 'userPool';
  if (guestAuthMode === 'iam') return 'iam';
  // The local mode's guests: requests without auth, which its server treats as the guest role.
  return guestAuthMode === 'unsigned' ? 'none' : null;
}

type AuthMode = 'userPool' | 'iam' | 'none';

/** Local-mode guests: Amplify's `none` mode needs an Authorization header on subscriptions (see local/graphql/server.ts). */
const UNSIGNED_GUEST = 'unsigned-guest';
const guestHeaders = (mode: AuthMode) => (mode === 'none' ? { Authorization: UNSIGNED_GUEST } : undefined);

/** An API error with the GraphQL errorType (e.g. "Unauthorized", "BidTooLow") kept for the UI. */
export class ApiError extends Error {
  constructor(message: string, readonly errorType?: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Turns whatever Amplify throws (GraphQL result with errors, network error) into a readable ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const errs = (e as { errors?: { message?: string; errorType?: string }[] })?.errors;
  if (Array.isArray(errs) && errs.length) {
    const first = errs[0] ?? {};
    return new ApiError(first.message ?? 'Request failed', first.errorType);
  }
  if (e instanceof Error) return new ApiError(e.message === 'Network error' ? 'Network error: check your connection' : e.message);
  return new ApiError('Request failed');
}

type Client = { graphql: (opts: Record<string, unknown>, headers?: Record<string, string>) => unknown };
let clientPromise: Promise<Client> | undefined;

async function client(): Promise<Client> {
  clientPromise ??= (async () => {
    await loadConfig();
    const { generateClient } = await import('aws-amplify/api');
    return generateClient() as unknown as Client;
  })();
  return clientPromise;
}

/** True when a Cognito user is signed in (checked each call: tokens may have been cleared). */
export async function isSignedIn(): Promise<boolean> {
  await loadConfig();
  const { fetchAuthSession } = await import('aws-amplify/auth');
  try {
    const s = await fetchAuthSession();
    return Boolean(s.tokens?.idToken);
  } catch {
    return false;
  }
}

async function authMode(requireUser: boolean): Promise<AuthMode | null> {
  const cfg = await loadConfig();
  const signedIn = await isSignedIn();
  if (requireUser && !signedIn) throw new ApiError('Sign in to do that', 'SignInRequired');
  return pickAuthMode(signedIn, cfg.guestAuthMode);
}

/**
 * Runs a query or mutation. Public reads work for guests (IAM guest role) unless the deployment has
 * no guest access; `requireUser` fails fast with a sign-in prompt for owner-only operations.
 */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}, opts: { requireUser?: boolean } = {}): Promise<T> {
  const mode = await authMode(opts.requireUser ?? false);
  if (!mode) throw new ApiError('Sign in to see this', 'SignInRequired');
  const c = await client();
  try {
    const res = (await c.graphql({ query, variables, authMode: mode }, guestHeaders(mode))) as { data: T; errors?: unknown[] };
    if (res.errors?.length) throw res;
    return res.data;
  } catch (e) {
    throw toApiError(e);
  }
}

/**
 * Subscribes with automatic resubscription (backoff) when the socket drops. The returned function
 * stops it. Callers keep a polling fallback, so a realtime endpoint that is unreachable only costs freshness.
 */
export function subscribe<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void, onState?: (s: 'connected' | 'retrying') => void): () => void {
  let stopped = false;
  let attempt = 0;
  let sub: { unsubscribe(): void } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const start = async () => {
    if (stopped) return;
    try {
      const mode = await authMode(false);
      if (!mode) return;
      const c = await client();
      const obs = c.graphql({ query, variables, authMode: mode }, guestHeaders(mode)) as {
        subscribe(o: { next(v: { data: T }): void; error(e: unknown): void }): { unsubscribe(): void };
      };
      sub = obs.subscribe({
        next: (v) => {
          attempt = 0;
          onState?.('connected');
          onData(v.data);
        },
        error: () => retry(),
      });
      onState?.('connected');
    } catch {
      retry();
    }
  };
  const retry = () => {
    sub?.unsubscribe();
    sub = undefined;
    if (stopped) return;
    onState?.('retrying');
    timer = setTimeout(start, backoffDelay(attempt++));
  };
  void start();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    sub?.unsubscribe();
  };
}
