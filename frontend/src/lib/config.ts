// zod/mini keeps this on every page small (full zod costs ~95 KB of JavaScript).
import * as z from 'zod/mini';

const nonEmpty = () => z.string().check(z.minLength(1));

/** Runtime config served at /runtime-config.json (contract: INFRA writes it in AWS, LOCAL-CORE locally). */
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
  player: z._default(z.object({ lowLatency: z.optional(z.boolean()) }), { lowLatency: true }),
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

let pending: Promise<RuntimeConfig> | undefined;

/**
 * Fetches and validates /runtime-config.json once per page, then configures Amplify.
 * Amplify is imported lazily so pages that never call the API ship none of it.
 */
export function loadConfig(fetchImpl: typeof fetch = fetch): Promise<RuntimeConfig> {
  pending ??= (async () => {
    const res = await fetchImpl('/runtime-config.json', { cache: 'no-cache' });
    if (!res.ok) throw new Error(`runtime config unavailable (HTTP ${res.status})`);
    const cfg = runtimeConfigSchema.parse(await res.json());
    const { installRealtimeRewrite } = await import('./realtime-url');
    installRealtimeRewrite(cfg.graphqlUrl, cfg.realtimeUrl);
    const { Amplify } = await import('aws-amplify');
    // The config type is a deep union; our builder produces a valid subset.
    Amplify.configure(toAmplifyConfig(cfg) as Parameters<typeof Amplify.configure>[0]);
    return cfg;
  })();
  pending.catch(() => {
    pending = undefined;
  });
  return pending;
}
