/**
 * The analytics named queries: one `.sql` file each in `queries/`, in the SQL that Athena (Trino)
 * and DuckDB both run. The stack declares each as an Athena named query in the analytics workgroup;
 * the local Athena stand-in (local/athena) registers the same files; the report function finds them
 * by name (ANALYTICS_NAMED_QUERIES) and runs them with execution parameters.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const QUERIES_DIR = join(import.meta.dirname, 'queries');

/** Names the report code asks for, each `<name>.sql` in `queries/`. */
export const NAMED_QUERY_NAMES = [
  'stream-totals',
  'stream-concurrency',
  'stream-products',
  'stream-attribution',
] as const;
export type NamedQueryName = (typeof NAMED_QUERY_NAMES)[number];

export interface NamedQueryFile {
  readonly name: NamedQueryName;
  /** The file's first comment line: what the query answers. */
  readonly description: string;
  readonly sql: string;
}

/** Every named query with its SQL text. */
export function namedQueries(): NamedQueryFile[] {
  return NAMED_QUERY_NAMES.map((name) => {
    const sql = readFileSync(join(QUERIES_DIR, `${name}.sql`), 'utf8');
    const description = (sql.split('\n')[0] ?? '').replace(/^--\s*/, '').slice(0, 1024);
    return { name, description, sql };
  });
}
