/**
 * Analytics test helpers: stored events built by hand, and the named queries run on DuckDB over
 * them (an in-memory `events` table with the Glue table's columns and partition columns), as the
 * local Athena runs them over the files in S3.
 */
import { randomUUID } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { namedQueries, type NamedQueryName } from '../../lib/analytics/named-queries';
import {
  STORED_EVENT_COLUMNS,
  type AnalyticsEventType,
  type StoredEvent,
} from '../../lambdas/shared/domain/analytics-events';
import { figuresFromQueries, type ViewerFigures } from '../../lambdas/shared/domain/analytics-report';

export const T0 = Date.parse('2026-12-01T20:00:00.000Z');

/** A stored event at `seconds` after T0 (server-corrected time). */
export function ev(
  type: AnalyticsEventType,
  seconds: number,
  who: { session: string; viewer: string; user?: string },
  extra: Partial<StoredEvent> = {},
): StoredEvent {
  const at = T0 + seconds * 1000;
  return {
    event_id: randomUUID(),
    type,
    session_id: who.session,
    viewer_id: who.user ?? who.viewer,
    user_id: who.user ?? null,
    anonymous_id: who.viewer,
    channel_id: 'u-streamer',
    stream_id: 'st-1',
    product_id: null,
    click_kind: null,
    share_method: null,
    ttff_ms: null,
    client_at_ms: at,
    at_ms: at,
    received_at_ms: at + 1000,
    ...extra,
  };
}

/** One watch: view_start at `from`, heartbeats every 30 s, view_end at `to` (seconds after T0). */
export function watch(
  who: { session: string; viewer: string; user?: string },
  from: number,
  to: number,
  end = true,
): StoredEvent[] {
  const out = [ev('view_start', from, who)];
  for (let t = from + 30; t < to; t += 30) out.push(ev('heartbeat', t, who));
  out.push(ev(end ? 'view_end' : 'heartbeat', to, who));
  return out;
}

const DUCK = { string: 'VARCHAR', bigint: 'BIGINT', int: 'INTEGER' } as const;

/** Runs the named queries on DuckDB over `events` (stream `st-1` unless said). */
export async function queryFigures(
  events: readonly StoredEvent[],
  streamId = 'st-1',
  purchaseSessions: readonly string[] = [],
): Promise<ViewerFigures & { raw: Record<NamedQueryName, Record<string, string | null>[]> }> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    await db.run(
      `CREATE TABLE events (${[...STORED_EVENT_COLUMNS.map((c) => `${c.name} ${DUCK[c.type]}`), 'dt VARCHAR', 'stream VARCHAR'].join(', ')})`,
    );
    const appender = await db.createAppender('events');
    for (const e of events) {
      for (const c of STORED_EVENT_COLUMNS) {
        const v = e[c.name];
        if (v === null) appender.appendNull();
        else if (c.type === 'string') appender.appendVarchar(String(v));
        else if (c.type === 'int') appender.appendInteger(Number(v));
        else appender.appendBigInt(BigInt(v as number));
      }
      appender.appendVarchar(new Date(e.received_at_ms).toISOString().slice(0, 10));
      appender.appendVarchar(e.stream_id);
      appender.endRow();
    }
    appender.closeSync();
    const run = async (name: NamedQueryName, params: (string | number)[]) => {
      const sql = namedQueries().find((q) => q.name === name)?.sql ?? '';
      const reader = await db.runAndReadAll(sql, params);
      const cols = reader.columnNames();
      return reader
        .getRowsJS()
        .map((r) =>
          Object.fromEntries(cols.map((c, i) => [c, r[i] === null || r[i] === undefined ? null : String(r[i])])),
        );
    };
    const raw = {
      'stream-totals': await run('stream-totals', [streamId]),
      'stream-concurrency': await run('stream-concurrency', [streamId]),
      'stream-products': await run('stream-products', [streamId]),
      'stream-attribution': purchaseSessions.length
        ? await run('stream-attribution', [streamId, purchaseSessions.join(',')])
        : [],
    };
    return {
      ...figuresFromQueries({
        totals: raw['stream-totals'],
        concurrency: raw['stream-concurrency'],
        products: raw['stream-products'],
        attribution: raw['stream-attribution'],
      }),
      raw,
    };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
