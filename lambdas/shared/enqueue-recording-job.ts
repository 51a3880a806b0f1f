/**
 * Sends one page event for the `recording-objects` worker (PutEvents on the stack's jobs bus).
 * Delivery is at-least-once; the worker is idempotent per page.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { eventBridge } from './clients';
import { ENV, requireEnv } from './env';
import { RECORDING_JOB_PAGE, RECORDING_JOBS_SOURCE, type RecordingJob } from './recording-jobs';

/** EventBridge accepted the request but not the entry (throttled, internal failure). */
export class EnqueueError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'EnqueueError';
  }
}

/** Puts the page event; throws when EventBridge did not accept it, so the caller can retry or roll back. */
export async function enqueueRecordingJob(job: RecordingJob): Promise<void> {
  const out = await eventBridge.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: requireEnv(ENV.JOBS_BUS_NAME), Source: RECORDING_JOBS_SOURCE, DetailType: RECORDING_JOB_PAGE, Resources: [], Detail: JSON.stringify(job) }],
    }),
  );
  const entry = out.Entries?.[0];
  if (out.FailedEntryCount || !entry?.EventId) {
    throw new EnqueueError(`EventBridge did not accept the ${job.action} page ${job.page} of ${job.recordingId}: ${entry?.ErrorMessage ?? 'no event id'}`, entry?.ErrorCode);
  }
}
