/**
 * Runs the analytics named queries on Athena: the query text from the workgroup's named query (by
 * the id the stack passes in ANALYTICS_NAMED_QUERIES), the stream id and other values as execution
 * parameters (SQL literals, never spliced into the text), then polls until it finishes and reads all
 * result pages. The same calls reach the local Athena on DuckDB through AWS_ENDPOINT_URL_ATHENA.
 */
import {
  AthenaClient,
  GetNamedQueryCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { ENV, requireEnv } from '../shared/env';
import type { NamedQueryName } from '../../lib/analytics/named-queries';

const athena = new AthenaClient({});
const texts = new Map<string, string>();

/** A query that failed or was cancelled: Athena's reason. */
export class QueryFailedError extends Error {
  constructor(
    readonly queryName: string,
    reason: string,
  ) {
    super(`Named query ${queryName} failed: ${reason}`);
    this.name = 'QueryFailedError';
  }
}

/** A value as an Athena execution parameter: a quoted SQL string literal or a number. */
export function sqlLiteral(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replace(/'/g, "''")}'`;
}

async function queryText(name: NamedQueryName): Promise<string> {
  const cached = texts.get(name);
  if (cached) return cached;
  const ids = JSON.parse(requireEnv(ENV.ANALYTICS_NAMED_QUERIES)) as Record<string, string>;
  const id = ids[name];
  if (!id) throw new Error(`No named query ${name} in ${ENV.ANALYTICS_NAMED_QUERIES}`);
  const { NamedQuery } = await athena.send(new GetNamedQueryCommand({ NamedQueryId: id }));
  if (!NamedQuery?.QueryString) throw new Error(`Named query ${name} (${id}) has no text`);
  texts.set(name, NamedQuery.QueryString);
  return NamedQuery.QueryString;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a named query; each row as column name → text (null for SQL NULL), as Athena answers. */
export async function runNamedQuery(
  name: NamedQueryName,
  params: readonly (string | number)[],
  timeoutMs = 50_000,
): Promise<Record<string, string | null>[]> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: await queryText(name),
      WorkGroup: requireEnv(ENV.ATHENA_WORKGROUP),
      QueryExecutionContext: { Database: requireEnv(ENV.ATHENA_DATABASE) },
      ExecutionParameters: params.map(sqlLiteral),
    }),
  );
  const deadline = Date.now() + timeoutMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    const state = QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED')
      throw new QueryFailedError(name, QueryExecution?.Status?.StateChangeReason ?? String(state));
    if (Date.now() > deadline) throw new QueryFailedError(name, `still ${state} after ${timeoutMs} ms`);
    await sleep(wait);
  }
  const rows: Record<string, string | null>[] = [];
  let columns: string[] | undefined;
  let nextToken: string | undefined;
  do {
    const page = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId, NextToken: nextToken, MaxResults: 1000 }),
    );
    columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
    const data = page.ResultSet?.Rows ?? [];
    // The first row of the first page repeats the column names.
    for (const [i, row] of data.entries()) {
      if (!nextToken && i === 0) continue;
      rows.push(Object.fromEntries(columns.map((c, j) => [c, row.Data?.[j]?.VarCharValue ?? null])));
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return rows;
}
