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
  /** EventBridge Scheduler group of the battles' one-time schedules (end, invitation expiry). */
  BATTLE_SCHEDULE_GROUP: 'BATTLE_SCHEDULE_GROUP',
  /** Role the Scheduler assumes to invoke the battles function. */
  BATTLE_SCHEDULER_ROLE_ARN: 'BATTLE_SCHEDULER_ROLE_ARN',
  /** The battles function's ARN, the target of its schedules. */
  BATTLE_TARGET_ARN: 'BATTLE_TARGET_ARN',
  /** Dead-letter queue of the battles' schedules (an invocation that failed all its retries). */
  BATTLE_SCHEDULE_DLQ_ARN: 'BATTLE_SCHEDULE_DLQ_ARN',
} as const;
