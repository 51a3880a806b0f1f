/**
 * Environment read once, through one helper that throws a clear error on a missing variable.
 * Names are the contract between the CDK function factory, the local mode and the handlers.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing environment variable ${name}`);
  }
  return value;
}

export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Environment variable names used across functions. */
export const ENV = {
  TABLE_NAME: 'TABLE_NAME',
  IDEMPOTENCY_TABLE_NAME: 'IDEMPOTENCY_TABLE_NAME',
  RECORDING_CONFIGURATION_ARN: 'RECORDING_CONFIGURATION_ARN',
  RECORDINGS_BUCKET: 'RECORDINGS_BUCKET',
  REPLAY_BASE_URL: 'REPLAY_BASE_URL',
  CHAT_REVIEW_FUNCTION_ARN: 'CHAT_REVIEW_FUNCTION_ARN',
  CHAT_LOGGING_CONFIGURATION_ARN: 'CHAT_LOGGING_CONFIGURATION_ARN',
  CHANNEL_TYPE: 'CHANNEL_TYPE',
  /** From address of go-live emails (`Name <address>` or an address of the SES identity). */
  ALERT_FROM_ADDRESS: 'ALERT_FROM_ADDRESS',
  /** SES template of go-live emails. */
  ALERT_EMAIL_TEMPLATE: 'ALERT_EMAIL_TEMPLATE',
  /** Optional SES configuration set for go-live emails. */
  SES_CONFIGURATION_SET: 'SES_CONFIGURATION_SET',
  /** SES messages per second one stream's email fan-out may use. */
  ALERT_EMAIL_RATE: 'ALERT_EMAIL_RATE',
  /** Base URL of the one-click unsubscribe handler (alert-unsubscribe's function URL). */
  UNSUBSCRIBE_URL: 'UNSUBSCRIBE_URL',
  /** The coin packs on sale, JSON (stage config `coins.packs`). */
  COIN_PACKS: 'COIN_PACKS',
  /** Secrets Manager secret with the Stripe API key and webhook endpoint secret; absent = purchases unavailable. */
  STRIPE_SECRET_NAME: 'STRIPE_SECRET_NAME',
  /** Base URL of the Stripe API (the local Stripe stand-in); absent = https://api.stripe.com. */
  STRIPE_API_URL: 'STRIPE_API_URL',
  /** Secrets Manager secret (name or ARN) holding the playback authorization private key (docs/safety.md). */
  PLAYBACK_KEY_SECRET: 'PLAYBACK_KEY_SECRET',
  /** Comma-separated web origins written into playback tokens (`aws:access-control-allow-origin`); absent = any origin. */
  PLAYBACK_ORIGINS: 'PLAYBACK_ORIGINS',
  /** Secrets Manager secret (name) holding the replay distribution's CloudFront signing key (docs/safety.md, "Replays"). */
  REPLAY_KEY_SECRET: 'REPLAY_KEY_SECRET',
  /** The id of the CloudFront public key whose private half signs replay URLs (`Key-Pair-Id`). */
  REPLAY_KEY_PAIR_ID: 'REPLAY_KEY_PAIR_ID',
  GRAPHQL_URL: 'GRAPHQL_URL',
  WEB_URL: 'WEB_URL',
  RESOURCE_TAG: 'RESOURCE_TAG',
  STAGE: 'STAGE',
  /** The stack's event bus for background jobs (recording-objects pages). */
  JOBS_BUS_NAME: 'JOBS_BUS_NAME',
  /** 'true' lets runtime-teardown delete the platform's IVS channels and chat rooms in prod. */
  ALLOW_TEARDOWN: 'ALLOW_TEARDOWN',
  /** Seconds a live viewer may scrub back: what a recording's DVR views span (stage config dvrWindowMinutes). */
  DVR_WINDOW_SECONDS: 'DVR_WINDOW_SECONDS',
  /** Distinct reporters of a live stream that suspend it (stage config safety.autoSuspendReports). */
  AUTO_SUSPEND_REPORTS: 'AUTO_SUSPEND_REPORTS',
  /** Minutes those reports must fall in (stage config safety.autoSuspendWindowMinutes). */
  AUTO_SUSPEND_WINDOW_MINUTES: 'AUTO_SUSPEND_WINDOW_MINUTES',
  /** Amazon Data Firehose stream the analytics endpoint puts viewer events on. */
  ANALYTICS_DELIVERY_STREAM: 'ANALYTICS_DELIVERY_STREAM',
  /** Issuer of the user pool's ID tokens (`https://cognito-idp.<region>.amazonaws.com/<poolId>`); its JWKS is under it. */
  ID_TOKEN_ISSUER: 'ID_TOKEN_ISSUER',
  /** The user pool whose users a platform ban disables and signs out (the safety function). */
  USER_POOL_ID: 'USER_POOL_ID',
  /** The web app's user pool client id: the audience of the ID tokens the analytics endpoint accepts. */
  USER_POOL_CLIENT_ID: 'USER_POOL_CLIENT_ID',
  /** Athena workgroup the analytics queries run in (results location and encryption enforced by it). */
  ATHENA_WORKGROUP: 'ATHENA_WORKGROUP',
  /** Glue database holding the analytics events table. */
  ATHENA_DATABASE: 'ATHENA_DATABASE',
  /** JSON: named query name -> Athena named query id. */
  ANALYTICS_NAMED_QUERIES: 'ANALYTICS_NAMED_QUERIES',
  /** Seconds after a stream's end before its final report is built: the late-event grace plus Firehose's buffer interval. */
  ANALYTICS_SETTLE_SECONDS: 'ANALYTICS_SETTLE_SECONDS',
  /** EventBridge Scheduler group of the battles' one-time schedules (end, invitation expiry). */
  BATTLE_SCHEDULE_GROUP: 'BATTLE_SCHEDULE_GROUP',
  /** Role the Scheduler assumes to invoke the battles function. */
  BATTLE_SCHEDULER_ROLE_ARN: 'BATTLE_SCHEDULER_ROLE_ARN',
  /** The battles function's ARN, the target of its schedules. */
  BATTLE_TARGET_ARN: 'BATTLE_TARGET_ARN',
  /** Dead-letter queue of the battles' schedules (an invocation that failed all its retries). */
  BATTLE_SCHEDULE_DLQ_ARN: 'BATTLE_SCHEDULE_DLQ_ARN',
} as const;
