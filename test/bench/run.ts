/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` (or those whose name contains argv[2]) and
 * prints each result as a table. A bench module's default export resolves to one or more tables.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchTable {
  readonly title: string;
  readonly rows: ReadonlyArray<Record<string, string | number>>;
  /** One line saying what the target was and whether it was met. */
  readonly verdict?: string;
}

export type BenchModule = { default: () => Promise<BenchTable[]> };

const dir = import.meta.dirname;
const filter = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();

for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as BenchModule;
  console.log(`\n## ${file}`);
  for (const table of await mod.default()) {
    console.log(`\n${table.title}`);
    console.table(table.rows);
    if (table.verdict) console.log(table.verdict);
  }
}
