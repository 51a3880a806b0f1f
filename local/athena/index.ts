/**
 * Local Amazon Athena on DuckDB: the calls the report function makes (GetNamedQuery,
 * BatchGetNamedQuery, ListNamedQueries, StartQueryExecution with execution parameters,
 * GetQueryExecution, GetQueryResults) on Athena's JSON protocol, so `@aws-sdk/client-athena` works
 * unchanged through AWS_ENDPOINT_URL_ATHENA. The named queries are the same `.sql` files the stack
 * declares; the `events` table is a DuckDB view over the NDJSON objects the local Firehose lands in
 * the local S3 (`events/dt=…/stream=…/`), with the Glue table's column types and its two partition
 * columns read from the path, as Athena reads them from the partition projection.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { listen, readBody } from '../http';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { athenaRequests } from '../iam/requests';

export interface LocalTable {
  /** Table name the queries select from. */
  readonly name: string;
  /** Directory of the table's location (`<s3 dir>/<bucket>/events`), laid out `<col>=<value>/…` per partition column. */
  readonly location: string;
  readonly columns: readonly { name: string; type: 'string' | 'bigint' | 'int' }[];
  readonly partitionColumns: readonly string[];
}

export interface LocalAthenaOptions {
  workGroup: string;
  database: string;
  tables: readonly LocalTable[];
  namedQueries: readonly { name: string; description: string; sql: string }[];
  port?: number;
  iam?: Authorizer;
  region?: string;
  account?: string;
}

export interface LocalAthena {
  url: string;
  /** Named query ids by name (the stack passes the same map as ANALYTICS_NAMED_QUERIES). */
  namedQueryIds: Record<string, string>;
  /** Runs SQL against the tables directly (tests and the bench). */
  query(sql: string, params?: readonly (string | number)[]): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

class AthenaError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const DUCK_TYPES = { string: 'VARCHAR', bigint: 'BIGINT', int: 'INTEGER' } as const;
const ATHENA_TYPES: Record<string, string> = {
  VARCHAR: 'varchar',
  BIGINT: 'bigint',
  INTEGER: 'integer',
  DOUBLE: 'double',
  BOOLEAN: 'boolean',
  HUGEINT: 'bigint',
  DECIMAL: 'decimal',
};

/** An execution parameter as Athena takes it: a SQL literal (`'text'` with `''` escapes, or a number). */
export function parseParameter(literal: string): string | number {
  const text = /^'((?:[^']|'')*)'$/.exec(literal);
  if (text) return (text[1] ?? '').replace(/''/g, "'");
  if (/^-?\d+(\.\d+)?$/.test(literal)) return Number(literal);
  throw new AthenaError(
    'InvalidRequestException',
    `Execution parameter ${literal} is not a SQL literal ('text' or a number).`,
  );
}

function hasFiles(dir: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { recursive: true, withFileTypes: true }).some((e) => e.isFile());
}

/** The DuckDB view standing in for a Glue table over its S3 location. */
function viewSql(t: LocalTable): string {
  const columns = t.columns.map((c) => `'${c.name}': '${DUCK_TYPES[c.type]}'`).join(', ');
  if (!hasFiles(t.location)) {
    const nulls = [
      ...t.columns.map((c) => `CAST(NULL AS ${DUCK_TYPES[c.type]}) AS ${c.name}`),
      ...t.partitionColumns.map((p) => `CAST(NULL AS VARCHAR) AS ${p}`),
    ];
    return `CREATE OR REPLACE VIEW ${t.name} AS SELECT ${nulls.join(', ')} WHERE false`;
  }
  const glob = join(t.location, ...t.partitionColumns.map(() => '*'), '*').replace(/'/g, "''");
  return `CREATE OR REPLACE VIEW ${t.name} AS SELECT * FROM read_json('${glob}', format = 'newline_delimited', hive_partitioning = true, hive_types_autocast = false, columns = {${columns}})`;
}

interface Execution {
  id: string;
  state: 'SUCCEEDED' | 'FAILED';
  reason?: string;
  sql: string;
  columns: { name: string; type: string }[];
  rows: (string | null)[][];
  submitted: number;
  completed: number;
  workGroup: string;
}

export async function startLocalAthena(opts: LocalAthenaOptions): Promise<LocalAthena> {
  const region = opts.region ?? 'us-east-1';
  const account = opts.account ?? '000000000000';
  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  const named = new Map<string, LocalAthenaOptions['namedQueries'][number]>(
    opts.namedQueries.map((q) => [randomUUID(), q]),
  );
  const executions = new Map<string, Execution>();
  // One query at a time on the connection: DuckDB runs it on all cores anyway.
  let queue: Promise<unknown> = Promise.resolve();

  const run = (sql: string, params: readonly (string | number)[]) => {
    const work = queue.then(async () => {
      for (const t of opts.tables) await connection.run(viewSql(t));
      const reader = await connection.runAndReadAll(sql, params.length ? [...params] : undefined);
      const columns = reader.columnNames().map((name, i) => ({
        name,
        type: ATHENA_TYPES[String(reader.columnTypes()[i]).replace(/\(.*$/, '')] ?? 'varchar',
      }));
      const rows = reader.getRowsJS().map((row) => row.map((v) => (v === null || v === undefined ? null : String(v))));
      return { columns, rows };
    });
    queue = work.catch(() => undefined);
    return work;
  };

  const send = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
  const namedQueryView = (id: string) => {
    const q = named.get(id);
    if (!q) throw new AthenaError('InvalidRequestException', `NamedQuery ${id} was not found.`);
    return {
      Name: q.name,
      Description: q.description,
      Database: opts.database,
      QueryString: q.sql,
      NamedQueryId: id,
      WorkGroup: opts.workGroup,
    };
  };

  const server = createServer(async (req, res) => {
    try {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonAthena\./, '');
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
      await opts.iam?.enforce(callerOf(req), athenaRequests(operation, opts.workGroup, { region, account }));
      switch (operation) {
        case 'GetNamedQuery':
          send(res, 200, { NamedQuery: namedQueryView(String(body.NamedQueryId)) });
          return;
        case 'BatchGetNamedQuery': {
          const ids = (body.NamedQueryIds as string[] | undefined) ?? [];
          send(res, 200, {
            NamedQueries: ids.filter((id) => named.has(id)).map(namedQueryView),
            UnprocessedNamedQueryIds: ids
              .filter((id) => !named.has(id))
              .map((id) => ({ NamedQueryId: id, ErrorCode: 'INVALID_INPUT', ErrorMessage: 'Not found' })),
          });
          return;
        }
        case 'ListNamedQueries':
          send(res, 200, { NamedQueryIds: [...named.keys()] });
          return;
        case 'StartQueryExecution': {
          const wg = String(body.WorkGroup ?? 'primary');
          if (wg !== opts.workGroup) throw new AthenaError('InvalidRequestException', `WorkGroup ${wg} is not found.`);
          const sql = String(body.QueryString ?? '');
          const params = ((body.ExecutionParameters as string[] | undefined) ?? []).map(parseParameter);
          const id = randomUUID();
          const submitted = Date.now();
          try {
            const { columns, rows } = await run(sql, params);
            executions.set(id, {
              id,
              state: 'SUCCEEDED',
              sql,
              columns,
              rows,
              submitted,
              completed: Date.now(),
              workGroup: wg,
            });
          } catch (error) {
            executions.set(id, {
              id,
              state: 'FAILED',
              reason: (error as Error).message,
              sql,
              columns: [],
              rows: [],
              submitted,
              completed: Date.now(),
              workGroup: wg,
            });
          }
          send(res, 200, { QueryExecutionId: id });
          return;
        }
        case 'GetQueryExecution': {
          const e = executions.get(String(body.QueryExecutionId));
          if (!e)
            throw new AthenaError(
              'InvalidRequestException',
              `QueryExecution ${String(body.QueryExecutionId)} was not found.`,
            );
          send(res, 200, {
            QueryExecution: {
              QueryExecutionId: e.id,
              Query: e.sql,
              WorkGroup: e.workGroup,
              StatementType: 'DML',
              Status: {
                State: e.state,
                ...(e.reason ? { StateChangeReason: e.reason } : {}),
                SubmissionDateTime: e.submitted / 1000,
                CompletionDateTime: e.completed / 1000,
              },
              Statistics: { EngineExecutionTimeInMillis: e.completed - e.submitted, DataScannedInBytes: 0 },
            },
          });
          return;
        }
        case 'GetQueryResults': {
          const e = executions.get(String(body.QueryExecutionId));
          if (!e)
            throw new AthenaError(
              'InvalidRequestException',
              `QueryExecution ${String(body.QueryExecutionId)} was not found.`,
            );
          if (e.state !== 'SUCCEEDED')
            throw new AthenaError('InvalidRequestException', `Query has not yet finished. Current state: ${e.state}`);
          const max = Math.min(Number(body.MaxResults ?? 1000), 1000);
          const start = body.NextToken ? Number(body.NextToken) : 0;
          // The first page starts with the header row, as Athena's does for a SELECT.
          const all = [e.columns.map((c) => c.name), ...e.rows];
          const page = all.slice(start, start + max);
          send(res, 200, {
            ResultSet: {
              Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
              ResultSetMetadata: {
                ColumnInfo: e.columns.map((c) => ({
                  Name: c.name,
                  Label: c.name,
                  Type: c.type,
                  CatalogName: 'hive',
                  SchemaName: '',
                  TableName: '',
                  Nullable: 'UNKNOWN',
                })),
              },
            },
            ...(start + max < all.length ? { NextToken: String(start + max) } : {}),
            UpdateCount: 0,
          });
          return;
        }
        default:
          throw new AthenaError(
            'UnknownOperationException',
            `The local Athena does not serve ${operation || 'this request'}.`,
          );
      }
    } catch (error) {
      const e =
        error instanceof AthenaError
          ? error
          : error instanceof AccessDeniedError
            ? new AthenaError('AccessDeniedException', error.message)
            : new AthenaError('InternalServerException', (error as Error).message, 500);
      send(res, e.status, { __type: e.code, Message: e.message, message: e.message });
    }
  });
  await listen(server, opts.port ?? 0, 'Local Athena');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    namedQueryIds: Object.fromEntries([...named.entries()].map(([id, q]) => [q.name, id])),
    async query(sql, params = []) {
      const { columns, rows } = await run(sql, params);
      return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]])));
    },
    async stop() {
      await queue;
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      connection.closeSync();
      instance.closeSync();
    },
  };
}
