import type { RuntimeConfig } from './config';

// The config module (and zod) loads on first API use, not with the page.
const loadConfig = async (): Promise<RuntimeConfig> => (await import('./config')).loadConfig();
const loadRuntimeConfig = async (): Promise<RuntimeConfig> => (await import('./config')).runtimeConfig();
import { backoffDelay } from './backoff';
import type { Document } from './graphql/document';

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

/** Amplify's prefix for the tokens it keeps in localStorage (its default token store, which the app uses). */
const AMPLIFY_TOKEN_PREFIX = 'CognitoIdentityServiceProvider';

/**
 * Whether Amplify holds a session for this app client in `storage`: it writes
 * `CognitoIdentityServiceProvider.<clientId>.LastAuthUser` at sign-in and removes it at sign-out.
 * Without it, Amplify's fetchAuthSession() can only answer "guest", so a guest need not wait for
 * Amplify's auth chunk (about 0.8 s of a warm watch page's first second) to learn that.
 */
export function hasStoredSession(storage: Pick<Storage, 'getItem'> | undefined, clientId: string): boolean {
  try {
    return Boolean(storage?.getItem(`${AMPLIFY_TOKEN_PREFIX}.${clientId}.LastAuthUser`));
  } catch {
    // storage blocked (privacy settings): let Amplify decide
    return true;
  }
}

const browserStorage = (): Storage | undefined => (typeof localStorage === 'undefined' ? undefined : localStorage);

/** An API error with the GraphQL errorType (e.g. "Unauthorized", "BidTooLow") kept for the UI. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly errorType?: string,
  ) {
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
  if (e instanceof Error)
    return new ApiError(e.message === 'Network error' ? 'Network error: check your connection' : e.message);
  return new ApiError('Request failed');
}

type Client = { graphql: (opts: Record<string, unknown>, headers?: Record<string, string>) => unknown };
let clientPromise: Promise<Client> | undefined;

async function client(): Promise<Client> {
  clientPromise ??= (async () => {
    const api = import('aws-amplify/api');
    api.catch(() => undefined);
    await loadConfig();
    const { generateClient } = await api;
    return generateClient() as unknown as Client;
  })();
  return clientPromise;
}

/**
 * How to call: the auth mode, and for a signed-in user their ID token. AppSync takes it like the
 * access token Amplify sends by default, and only the ID token carries the platform-owned `handle`
 * claim (stamped by the pre-token-generation trigger) that resolvers stamp on bids, sales and chat.
 */
async function callAuth(requireUser: boolean): Promise<{ authMode: AuthMode; authToken?: string } | null> {
  // The signed-in check needs only the config; Amplify's chunks load meanwhile.
  const cfg = await loadRuntimeConfig();
  const signedIn = hasStoredSession(browserStorage(), cfg.userPoolClientId);
  const auth = signedIn ? import('aws-amplify/auth') : undefined;
  auth?.catch(() => undefined);
  await loadConfig();
  const idToken = auth
    ? await (await auth).fetchAuthSession().then(
        (s) => s.tokens?.idToken?.toString(),
        () => undefined,
      )
    : undefined;
  if (requireUser && !idToken) throw new ApiError('Sign in to do that', 'SignInRequired');
  const mode = pickAuthMode(Boolean(idToken), cfg.guestAuthMode);
  if (!mode) return null;
  return mode === 'userPool' && idToken ? { authMode: mode, authToken: idToken } : { authMode: mode };
}

/** Options of one call. */
export interface CallOptions {
  /** Fail fast with a sign-in prompt instead of calling as a guest. */
  requireUser?: boolean;
}

/**
 * A query or mutation as one plain POST, as Amplify's client sends it in `none` mode (the local
 * mode's unsigned guests): no Amplify chunk has to load first. GraphQL errors and HTTP failures
 * become ApiErrors with a sentence, as through Amplify.
 */
export async function postGraphql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  fetchImpl: typeof fetch = fetch,
): Promise<T> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...guestHeaders('none') },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('Network error: check your connection');
  }
  const body = (await res.json().catch(() => undefined)) as { data?: T | null; errors?: unknown[] } | undefined;
  if (body?.errors?.length) throw toApiError(body);
  if (!res.ok || body?.data == null)
    throw new ApiError(`The service did not answer as expected (HTTP ${res.status}). Try again in a moment.`);
  return body.data;
}

/**
 * The GraphQL URL when this call can skip Amplify: an unsigned guest (guestAuthMode `unsigned`, no
 * stored session). Guests of an AWS deployment sign with IAM credentials, which only Amplify gets.
 */
async function unsignedGuestUrl(): Promise<string | null> {
  const cfg = await loadRuntimeConfig();
  return cfg.guestAuthMode === 'unsigned' && !hasStoredSession(browserStorage(), cfg.userPoolClientId)
    ? cfg.graphqlUrl
    : null;
}

/**
 * Runs a query or mutation. Public reads work for guests (IAM guest role) unless the deployment has
 * no guest access; `requireUser` fails fast with a sign-in prompt for owner-only operations. With a
 * document of queries.ts the result type is the generated one; a plain string needs it named.
 */
export function gql<R, V extends object>(query: Document<R, V>, variables?: NoInfer<V>, opts?: CallOptions): Promise<R>;
export function gql<T>(query: string, variables?: Record<string, unknown>, opts?: CallOptions): Promise<T>;
export async function gql<T>(query: string, variables: object = {}, opts: CallOptions = {}): Promise<T> {
  if (!opts.requireUser) {
    const url = await unsignedGuestUrl();
    if (url) return postGraphql<T>(url, query, variables as Record<string, unknown>);
  }
  const auth = await callAuth(opts.requireUser ?? false);
  if (!auth) throw new ApiError('Sign in to see this', 'SignInRequired');
  const c = await client();
  try {
    const res = (await c.graphql({ query, variables, ...auth }, guestHeaders(auth.authMode))) as {
      data: T;
      errors?: unknown[];
    };
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
export function subscribe<R, V extends object>(
  query: Document<R, V>,
  variables: NoInfer<V>,
  onData: (data: R) => void,
  onState?: (s: 'connected' | 'retrying') => void,
): () => void;
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
  onState?: (s: 'connected' | 'retrying') => void,
): () => void;
export function subscribe<T>(
  query: string,
  variables: object,
  onData: (data: T) => void,
  onState?: (s: 'connected' | 'retrying') => void,
): () => void {
  let stopped = false;
  let attempt = 0;
  let sub: { unsubscribe(): void } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const start = async () => {
    if (stopped) return;
    try {
      const auth = await callAuth(false);
      if (!auth) return;
      const c = await client();
      const obs = c.graphql({ query, variables, ...auth }, guestHeaders(auth.authMode)) as {
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
