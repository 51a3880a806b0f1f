/**
 * `npm run bench -- analytics`, on the local mode (IAM off):
 * 1. ingest: viewer batches (a session's events, up to 100 each) posted to the local endpoint by 16
 *    concurrent senders for a fixed count; events/s accepted end to end (zod, stream check, Firehose
 *    PutRecordBatch to the local Firehose, live counters on DynamoDB Local);
 * 2. report: a stream of 10,000 viewers watching 60 minutes (a heartbeat every 30 s: 1.2 M events)
 *    laid out in the local S3 as the local Firehose lands them, then the final report built by the
 *    report function through the local Athena (the named queries on DuckDB), timed twice.
 * ANALYTICS_BENCH_SCALE (default 1) scales both for a quick check.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/server';
import { startLocalPlatform } from '../../local/start';
import { partitionDate, type StoredEvent } from '../../lambdas/shared/domain/analytics-events';
import { streamSessionKey } from '../../lambdas/shared/domain/keys';
import { sessionEvents, simulateAudience } from '../support/analytics-simulation';
import type { BenchTable } from './run';

const SCALE = Number(process.env.ANALYTICS_BENCH_SCALE ?? 1);

export default async function bench(): Promise<BenchTable[]> {
  const dir = mkdtempSync(join(tmpdir(), 'analytics-bench-'));
  const platform = await startLocalPlatform({
    dataDir: dir,
    ports: 'free',
    web: false,
    scheduleEveryMs: 0,
    log: () => undefined,
  });
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: platform.endpoints.dynamodbUrl,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  try {
    const session = async (streamId: string, startedAt: number, endedAt?: number) =>
      ddb.send(
        new PutCommand({
          TableName: 'local-Main',
          Item: {
            ...streamSessionKey(streamId),
            type: 'StreamSession',
            streamId,
            userId: 'u-bench',
            status: endedAt ? 'OFFLINE' : 'LIVE',
            startedAt: new Date(startedAt).toISOString(),
            ...(endedAt ? { endedAt: new Date(endedAt).toISOString() } : {}),
          },
        }),
      );

    // 1. Ingest.
    const t0 = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;
    await session('st-bench-ingest', t0);
    const audience = simulateAudience({ viewers: Math.round(1500 * SCALE), durationSeconds: 20 * 60, seed: 5 });
    const batches = audience.viewers.flatMap((v) =>
      v.sessions.flatMap((s, i) => {
        const events = sessionEvents(v, s, t0, 'st-bench-ingest', 'u-bench', i === 0);
        return Array.from({ length: Math.ceil(events.length / 100) }, (_, k) =>
          JSON.stringify({ events: events.slice(k * 100, k * 100 + 100) }),
        );
      }),
    );
    const events = batches.reduce((n, b) => n + (JSON.parse(b) as { events: unknown[] }).events.length, 0);
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < batches.length) {
          const body = batches[next++];
          const t = performance.now();
          const res = await fetch(`${platform.endpoints.analyticsUrl}/events`, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body,
          });
          if (res.status !== 204) throw new Error(`ingest refused a batch: ${res.status} ${await res.text()}`);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const ingestSeconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;

    // 2. Report over 10,000 viewers x 60 minutes of heartbeats, written as the local Firehose lays them out.
    const viewers = Math.round(10_000 * SCALE);
    const minutes = 60;
    const start = Math.floor((Date.now() - 3 * 3600_000) / 60_000) * 60_000;
    const streamId = 'st-bench-report';
    await session(streamId, start, start + minutes * 60_000);
    const prefix = join(
      dir,
      's3',
      'local-analytics',
      'events',
      `dt=${partitionDate(Date.now())}`,
      `stream=${streamId}`,
    );
    mkdirSync(prefix, { recursive: true });
    let written = 0;
    const writeStarted = performance.now();
    const perFile = 500;
    for (let first = 0; first < viewers; first += perFile) {
      const lines: string[] = [];
      for (let v = first; v < Math.min(viewers, first + perFile); v++) {
        const sessionId = randomUUID();
        const anon = randomUUID();
        for (let sec = 0; sec <= minutes * 60; sec += 30) {
          const at = start + sec * 1000 + 500;
          const e: StoredEvent = {
            event_id: randomUUID(),
            type: sec === 0 ? 'view_start' : sec === minutes * 60 ? 'view_end' : 'heartbeat',
            session_id: sessionId,
            viewer_id: anon,
            user_id: null,
            anonymous_id: anon,
            channel_id: 'u-bench',
            stream_id: streamId,
            product_id: null,
            click_kind: null,
            share_method: null,
            ttff_ms: null,
            client_at_ms: at,
            at_ms: at,
            received_at_ms: at + 2000,
          };
          lines.push(JSON.stringify(e));
          written += 1;
        }
      }
      writeFileSync(join(prefix, `local-analytics-events-1-bench-${first}`), `${lines.join('\n')}\n`);
    }
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    await ddb.send(
      new PutCommand({ TableName: 'local-Main', Item: { PK: 'ANALYTICS#PENDING', SK: streamId, streamId } }),
    );
    const builds: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      const out = (await platform.runner.invoke('analytics-reports', {
        version: '0',
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        detail: {},
      })) as { finalized: number };
      if (out.finalized !== 1) throw new Error(`the report run finalized ${out.finalized} streams`);
      builds.push((performance.now() - t) / 1000);
      await ddb.send(
        new PutCommand({ TableName: 'local-Main', Item: { PK: 'ANALYTICS#PENDING', SK: streamId, streamId } }),
      );
    }
    const stored = (
      await ddb.send(new GetCommand({ TableName: 'local-Main', Key: { PK: `STREAM#${streamId}`, SK: 'REPORT' } }))
    ).Item?.report as { uniqueViewers: number; peakConcurrent: number; watchHours: number } | undefined;
    if (!stored || stored.uniqueViewers !== viewers || stored.peakConcurrent !== viewers)
      throw new Error(`report does not add up: ${JSON.stringify(stored)}`);

    return [
      {
        title:
          'Analytics ingest (local endpoint → zod → Firehose stand-in → S3, live counters on DynamoDB Local; 16 concurrent senders)',
        rows: [
          {
            batches: batches.length,
            events,
            seconds: Number(ingestSeconds.toFixed(1)),
            'events/s': Math.round(events / ingestSeconds),
            'batches/s': Math.round(batches.length / ingestSeconds),
            'p50 ms': Math.round(p(0.5)),
            'p99 ms': Math.round(p(0.99)),
          },
        ],
      },
      {
        title: `Final report of ${viewers.toLocaleString('en-US')} viewers × ${minutes} min of heartbeats (${written.toLocaleString('en-US')} events, NDJSON in the local S3), named queries on DuckDB through the local Athena`,
        rows: builds.map((s, i) => ({
          run: i + 1,
          'report seconds': Number(s.toFixed(1)),
          'watch hours': stored.watchHours,
          'peak concurrent': stored.peakConcurrent,
        })),
        verdict: `Events written in ${writeSeconds.toFixed(1)} s; each run builds the whole report (4 named queries, the DynamoDB figures, stored).`,
      },
    ];
  } finally {
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
