/**
 * How often a failed delivery to a function is retried before it goes to the function's
 * dead-letter destination. The CDK event source mappings and rule targets and the local stream
 * poller read the same numbers (no CDK import here: the local mode loads this module).
 */

/** Retries of a failing table-stream batch (after bisecting) before its range goes to the on-failure queue. */
export const STREAM_RETRY_ATTEMPTS = 5;

/** Retries of a failed EventBridge rule delivery (IVS events) before it goes to the target's DLQ. */
export const EVENT_RETRY_ATTEMPTS = 8;

/** Retries of a failed scheduled invocation: a tick older than its period is superseded by the next one. */
export const SCHEDULE_RETRY_ATTEMPTS = 2;
