/**
 * The local Firehose and Athena through the real SDK clients: records land in the local S3 under
 * the stack's prefix expression (date received, stream from the JQ query), unpartitionable ones
 * under the error prefix; the named queries run on DuckDB over those files with Athena's execution
 * parameters and paging.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetNamedQueryCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedQueries } from '../../../lib/analytics/named-queries';
import {
  EVENTS_ERROR_PREFIX,
  EVENTS_PREFIX,
  PARTITION_COLUMNS,
  PARTITION_QUERY,
  partitionDate,
  STORED_EVENT_COLUMNS,
} from '../../../lambdas/shared/domain/analytics-events';
import { parseParameter, startLocalAthena, type LocalAthena } from '../../../local/athena/index';
import {
  evaluatePrefix,
  parsePartitionQuery,
  startLocalFirehose,
  type LocalFirehose,
} from '../../../local/firehose/index';
import { BucketStore } from '../../../local/s3/store';
import { ev, watch } from '../../support/analytics';

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
let dir: string;
let firehose: LocalFirehose;
let athena: LocalAthena;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'analytics-standins-'));
  const store = new BucketStore(dir);
  await store.createBucket('local-analytics');
  firehose = await startLocalFirehose({
    store,
    bufferIntervalMs: 60_000,
    streams: [
      {
        name: 'events',
        bucket: 'local-analytics',
        prefix: EVENTS_PREFIX,
        errorPrefix: EVENTS_ERROR_PREFIX,
        partitionQuery: PARTITION_QUERY,
      },
    ],
  });
  athena = await startLocalAthena({
    workGroup: 'wg',
    database: 'db',
    namedQueries: namedQueries(),
    tables: [
      {
        name: 'events',
        location: join(dir, 'local-analytics', 'events'),
        columns: STORED_EVENT_COLUMNS,
        partitionColumns: PARTITION_COLUMNS,
      },
    ],
  });
});

afterAll(async () => {
  await firehose?.stop();
  await athena?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('local Firehose', () => {
  it('reads the JQ query and evaluates the prefix expression as Firehose does', () => {
    expect(parsePartitionQuery('{stream: .stream_id}')).toEqual([['stream', 'stream_id']]);
    expect(() => parsePartitionQuery('{stream: .a | ascii}')).toThrow(/of the form/);
    expect(evaluatePrefix(EVENTS_PREFIX, { stream: 'st-1' }, new Date('2026-12-03T01:02:03Z'))).toBe(
      'events/dt=2026-12-03/stream=st-1/',
    );
  });

  it('lands records per stream partition, and one without a stream id under errors/', async () => {
    const client = new FirehoseClient({ endpoint: firehose.url, region: 'us-east-1', credentials });
    const records = [
      ...watch({ session: 's1', viewer: 'v1' }, 0, 60),
      ev('like', 5, { session: 's2', viewer: 'v2' }, { stream_id: 'st-2' }),
    ];
    const out = await client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'events',
        Records: [
          ...records.map((r) => ({ Data: Buffer.from(`${JSON.stringify(r)}\n`) })),
          { Data: Buffer.from('{"no":"stream"}\n') },
        ],
      }),
    );
    expect(out.FailedPutCount).toBe(0);
    await expect(
      client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'missing', Records: [{ Data: Buffer.from('{}') }] })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await firehose.flush();
    const dt = partitionDate(Date.now());
    const files = readdirSync(join(dir, 'local-analytics'), { recursive: true })
      .map(String)
      .filter((f) => /events-1-/.test(f))
      .sort();
    expect(files.map((f) => f.replace(/\/events-1-.*$/, ''))).toEqual([
      `errors/partitioning-failed/dt=${dt}`,
      `events/dt=${dt}/stream=st-1`,
      `events/dt=${dt}/stream=st-2`,
    ]);
    const lines = readFileSync(join(dir, 'local-analytics', files[1]!), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(3);
    client.destroy();
  });
});

describe('local Athena', () => {
  it('takes execution parameters as SQL literals', () => {
    expect(parseParameter("'it''s'")).toBe("it's");
    expect(parseParameter('42')).toBe(42);
    expect(() => parseParameter('st-1')).toThrow(/not a SQL literal/);
  });

  it('runs a named query over the landed files with parameters, answering as Athena does (header row, text values)', async () => {
    const client = new AthenaClient({ endpoint: athena.url, region: 'us-east-1', credentials });
    const { NamedQuery } = await client.send(
      new GetNamedQueryCommand({ NamedQueryId: athena.namedQueryIds['stream-totals'] }),
    );
    const { QueryExecutionId } = await client.send(
      new StartQueryExecutionCommand({
        QueryString: NamedQuery!.QueryString,
        WorkGroup: 'wg',
        ExecutionParameters: ["'st-1'"],
      }),
    );
    const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    expect(QueryExecution?.Status?.State).toBe('SUCCEEDED');
    const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId }));
    const rows = page.ResultSet!.Rows!.map((r) => r.Data!.map((d) => d.VarCharValue ?? null));
    expect(rows[0]).toEqual(['views', 'unique_viewers', 'watch_ms', 'likes', 'shares']);
    expect(rows[1]).toEqual(['1', '1', '60000', '0', '0']);
    const bad = await client.send(
      new StartQueryExecutionCommand({ QueryString: 'SELECT nope FROM events', WorkGroup: 'wg' }),
    );
    const failed = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: bad.QueryExecutionId }));
    expect(failed.QueryExecution?.Status?.State).toBe('FAILED');
    client.destroy();
  });
});
