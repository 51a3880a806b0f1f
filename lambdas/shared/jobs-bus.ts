/**
 * The platform's own events on the stack's jobs bus (JOBS_BUS_NAME): recording-object pages for the
 * `recording-objects` worker, and go-live-fanout's e-mail pages. Delivery is at-least-once; each
 * consumer is idempotent per page.
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

/**
 * Puts one event on the jobs bus; throws an EnqueueError naming `what` when EventBridge did not
 * accept it, so the caller can retry or roll back.
 */
export async function putJobEvent(event: {
  source: string;
  detailType: string;
  detail: unknown;
  what: string;
}): Promise<void> {
  const out = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: requireEnv(ENV.JOBS_BUS_NAME),
          Source: event.source,
          DetailType: event.detailType,
          Resources: [],
          Detail: JSON.stringify(event.detail),
        },
      ],
    }),
  );
  const entry = out.Entries?.[0];
  if (out.FailedEntryCount || !entry?.EventId) {
    throw new EnqueueError(
      `EventBridge did not accept ${event.what}: ${entry?.ErrorMessage ?? 'no event id'}`,
      entry?.ErrorCode,
    );
  }
}

/** Puts a recording-object page event for the worker. */
export async function enqueueRecordingJob(job: RecordingJob): Promise<void> {
  await putJobEvent({
    source: RECORDING_JOBS_SOURCE,
    detailType: RECORDING_JOB_PAGE,
    detail: job,
    what: `the ${job.action} page ${job.page} of ${job.recordingId}`,
  });
}
