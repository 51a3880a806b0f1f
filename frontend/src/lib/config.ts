// zod/mini keeps this on every page small (full zod costs ~95 KB of JavaScript).
import * as z from 'zod/mini';
import { reportConfigProblem } from './config-status';

const nonEmpty = () => z.string().check(z.minLength(1));

/** Runtime config served at /runtime-config.json (the web construct deploys it in AWS, local/web/server.ts serves it locally). */
export const runtimeConfigSchema = z.object({
  stage: z.string(),
  region: nonEmpty(),
  graphqlUrl: z.url(),
  realtimeUrl: z.optional(z.string()),
  userPoolId: nonEmpty(),
  userPoolClientId: nonEmpty(),
  userPoolEndpoint: z.optional(z.string()),
  identityPoolId: z._default(z.string(), ''),
  // iam: identity pool guest role (AWS); unsigned: guest calls sent without auth (local mode); none: no guest access.
  guestAuthMode: z.enum(['iam', 'unsigned', 'none']),
  chatMessagingEndpoint: nonEmpty(),
  /** Shown on the stream key card instead of the channel's ingest URL (local mode: plain RTMP). */
  ingestServer: z.optional(z.string()),
  replayBaseUrl: z._default(z.string(), ''),
  /** Base URL of the analytics endpoint (`POST {analyticsUrl}/events`); empty: the tracker sends nothing. */
  analyticsUrl: z._default(z.string(), ''),
  /** dvrWindowMinutes: how far back a live viewer can scrub (stage config, default 10). */
  /** Days an 18+ stream's age-gate consent is remembered on the device (stage config, default 30). */
  ageGateConsentDays: z._default(z.number().check(z.positive()), 30),
  player: z._default(
    z.object({ lowLatency: z.optional(z.boolean()), dvrWindowMinutes: z._default(z.number().check(z.positive()), 10) }),
    { lowLatency: true, dvrWindowMinutes: 10 },
  ),
});

/** Parsed runtime config. */
export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

/** Amplify v6 resource config derived from the runtime config (pure, so it can be tested). */
export function toAmplifyConfig(cfg: RuntimeConfig) {
  const cognito: Record<string, unknown> = {
    userPoolId: cfg.userPoolId,
    userPoolClientId: cfg.userPoolClientId,
    loginWith: { email: true },
    signUpVerificationMethod: 'code',
    allowGuestAccess: cfg.guestAuthMode === 'iam',
  };
  if (cfg.identityPoolId) cognito['identityPoolId'] = cfg.identityPoolId;
  if (cfg.userPoolEndpoint) cognito['userPoolEndpoint'] = cfg.userPoolEndpoint;
  return {
    Auth: { Cognito: cognito },
    API: {
      GraphQL: { endpoint: cfg.graphqlUrl, region: cfg.region, defaultAuthMode: 'userPool' as const },
    },
  };
}

/** Where the web app reads its runtime config (same origin as the pages). */
export const CONFIG_PATH = '/runtime-config.json';

/** The runtime config could not be loaded or is invalid; `message` is a sentence for the visitor. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const REDEPLOY = 'The deployment may be incomplete: reload in a minute, or ask the site operator to redeploy.';

/**
 * Turns the HTTP answer for the config file into a validated config, or a ConfigError that says
 * what is wrong (status, not JSON, which field is invalid). Pure, so every case is tested.
 */
export function parseRuntimeConfig(status: number, body: string): RuntimeConfig {
  if (status < 200 || status > 299) {
    throw new ConfigError(
      `This site could not load its configuration (${CONFIG_PATH} answered HTTP ${status}). ${REDEPLOY}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ConfigError(`This site's configuration (${CONFIG_PATH}) is not valid JSON. ${REDEPLOY}`);
  }
  const parsed = runtimeConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : 'the file';
    throw new ConfigError(
      `This site's configuration (${CONFIG_PATH}) is invalid: ${field} is missing or malformed. ${REDEPLOY}`,
    );
  }
  return parsed.data;
}

/** Fetches and parses the config file; every failure is a ConfigError with a sentence. */
export async function fetchRuntimeConfig(fetchImpl: typeof fetch = fetch): Promise<RuntimeConfig> {
  let res: Response;
  let body: string;
  try {
    // The default cache mode, so the page head's <link rel="preload"> answers this request (a
    // different mode is a second download). The file is served `Cache-Control: no-cache`, so the
    // browser still asks the host each time it is not that preload.
    res = await fetchImpl(CONFIG_PATH);
    body = await res.text();
  } catch {
    throw new ConfigError(
      `This site could not reach its configuration (${CONFIG_PATH}). Check your connection and reload the page.`,
    );
  }
  return parseRuntimeConfig(res.status, body);
}

let pending: Promise<RuntimeConfig> | undefined;
let fetched: Promise<RuntimeConfig> | undefined;

/**
 * The runtime config, fetched and validated once per page, without configuring Amplify: for callers
 * that can act before Amplify's chunks have loaded (a guest's first query, see lib/api.ts). Rejects
 * with a ConfigError (reported to the page banner) when the config cannot be used.
 */
export function runtimeConfig(fetchImpl: typeof fetch = fetch): Promise<RuntimeConfig> {
  fetched ??= fetchRuntimeConfig(fetchImpl).then(
    (c) => {
      reportConfigProblem(undefined);
      return c;
    },
    (e: unknown) => {
      if (e instanceof ConfigError) reportConfigProblem(e.message);
      throw e;
    },
  );
  fetched.catch(() => {
    fetched = undefined;
  });
  return fetched;
}

/** Adds `<link rel="preconnect">` for the origin of `url` (once); ignored outside a browser page. */
export function preconnectTo(url: string): void {
  if (typeof document === 'undefined') return;
  try {
    const origin = new URL(url).origin;
    if (origin === location.origin || document.head.querySelector(`link[rel="preconnect"][href="${origin}"]`)) return;
    const link = document.createElement('link');
    link.rel = 'preconnect';
    link.href = origin;
    link.crossOrigin = 'anonymous';
    document.head.append(link);
  } catch {
    // not a URL: nothing to warm up
  }
}

/**
 * Fetches and validates /runtime-config.json once per page, then configures Amplify.
 * Amplify is imported lazily so pages that never call the API ship none of it.
 * Rejects with a ConfigError (a sentence for the page) when the config cannot be used.
 */
export function loadConfig(fetchImpl: typeof fetch = fetch): Promise<RuntimeConfig> {
  pending ??= (async () => {
    // Amplify's chunk downloads while the config is fetched: neither needs the other.
    const amplify = import('aws-amplify');
    amplify.catch(() => undefined);
    const cfg = await runtimeConfig(fetchImpl);
    // The API's connection opens while Amplify's chunks load (the host is only known from the config).
    preconnectTo(cfg.graphqlUrl);
    const { installRealtimeRewrite } = await import('./realtime-url');
    installRealtimeRewrite(cfg.graphqlUrl, cfg.realtimeUrl);
    const { Amplify } = await amplify;
    // The config type is a deep union; our builder produces a valid subset.
    Amplify.configure(toAmplifyConfig(cfg) as Parameters<typeof Amplify.configure>[0]);
    return cfg;
  })();
  pending.catch(() => {
    pending = undefined;
  });
  return pending;
}
