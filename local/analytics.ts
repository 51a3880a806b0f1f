/**
 * The local mode's analytics (docs/analytics.md): the events endpoint (the ingest function behind a
 * local function URL, payload format 2.0 as the HTTP API sends), the local Firehose landing the
 * records in the local S3 in the stack's partition layout, and the local Athena running the named
 * queries on DuckDB. The names match what the stack gives the `local` prefix, so the IAM-enforcing
 * local mode evaluates the same grants.
 */
import { join } from 'node:path';
import { namedQueries } from '../lib/analytics/named-queries';
import {
  EVENTS_ERROR_PREFIX,
  EVENTS_PREFIX,
  EVENTS_TABLE,
  LATE_EVENT_GRACE_MS,
  PARTITION_COLUMNS,
  PARTITION_QUERY,
  STORED_EVENT_COLUMNS,
} from '../lambdas/shared/domain/analytics-events';
import { ENV } from '../lambdas/shared/env';
import { startLocalAthena } from './athena/index';
import { startLocalFirehose } from './firehose/index';
import type { Authorizer } from './iam/evaluator';
import { startFunctionUrl } from './lambda/function-url';
import type { BucketStore } from './s3/store';

/** The local events bucket (the stack's is `<prefix>-analytics-<account>-<region>`). */
export const ANALYTICS_BUCKET = 'local-analytics';
const DELIVERY_STREAM = 'local-analytics-events';
const WORK_GROUP = 'local-analytics';
const DATABASE = 'local_analytics';
/** The local Firehose's buffer interval: events are queryable about a second after they arrive. */
const BUFFER_MS = 1000;

export interface LocalAnalyticsOptions {
  store: BucketStore;
  invoke: (name: string, event: unknown) => Promise<unknown>;
  iam?: Authorizer;
  ports: { analytics: number; firehose: number; athena: number };
  /** The local user pool's issuer (`<cognito url>/<pool id>`), whose JWKS the endpoint reads. */
  idTokenIssuer: string;
  userPoolClientId: string;
}

export async function startLocalAnalytics(opts: LocalAnalyticsOptions) {
  const firehose = await startLocalFirehose({
    store: opts.store,
    iam: opts.iam,
    port: opts.ports.firehose,
    bufferIntervalMs: BUFFER_MS,
    streams: [
      {
        name: DELIVERY_STREAM,
        bucket: ANALYTICS_BUCKET,
        prefix: EVENTS_PREFIX,
        errorPrefix: EVENTS_ERROR_PREFIX,
        partitionQuery: PARTITION_QUERY,
      },
    ],
  });
  const athena = await startLocalAthena({
    workGroup: WORK_GROUP,
    database: DATABASE,
    iam: opts.iam,
    port: opts.ports.athena,
    namedQueries: namedQueries(),
    tables: [
      {
        name: EVENTS_TABLE,
        location: join(opts.store.dataDir, ANALYTICS_BUCKET, 'events'),
        columns: STORED_EVENT_COLUMNS,
        partitionColumns: PARTITION_COLUMNS,
      },
    ],
  });
  const endpoint = await startFunctionUrl(opts.invoke, 'analytics-ingest', opts.ports.analytics);
  return {
    endpoints: { analyticsUrl: endpoint.url.replace(/\/$/, ''), firehoseUrl: firehose.url, athenaUrl: athena.url },
    /** The Lambda environment: the SDK endpoints and what the stack sets on the two functions. */
    env: {
      AWS_ENDPOINT_URL_FIREHOSE: firehose.url,
      AWS_ENDPOINT_URL_ATHENA: athena.url,
      [ENV.ANALYTICS_DELIVERY_STREAM]: DELIVERY_STREAM,
      [ENV.ATHENA_WORKGROUP]: WORK_GROUP,
      [ENV.ATHENA_DATABASE]: DATABASE,
      [ENV.ANALYTICS_NAMED_QUERIES]: JSON.stringify(athena.namedQueryIds),
      [ENV.ANALYTICS_SETTLE_SECONDS]: String(Math.ceil(LATE_EVENT_GRACE_MS / 1000 + (BUFFER_MS / 1000) * 1.5)),
      [ENV.ID_TOKEN_ISSUER]: opts.idTokenIssuer,
      [ENV.USER_POOL_CLIENT_ID]: opts.userPoolClientId,
    } as Record<string, string>,
    firehose,
    athena,
    flush: () => firehose.flush(),
    async stop() {
      await endpoint.stop();
      await firehose.stop();
      await athena.stop();
    },
  };
}

export type LocalAnalytics = Awaited<ReturnType<typeof startLocalAnalytics>>;
