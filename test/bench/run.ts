/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` (or those whose name contains argv[2]) and
 * prints each result as a table. A bench module's default export resolves to one or more tables.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchTable {
  readonly title: string;
  readonly rows: ReadonlyArray<Record<string, string | number>>;
  /** One line saying what the target was and whether it was met. */
  readonly verdict?: string;
}

export type BenchModule = { default: () => Promise<BenchTable[]> };

const dir = import.meta.dirname;
const filter = process.argv[2];
const files = process.env.BENCH_FILE
  ? [process.env.BENCH_FILE]
  : readdirSync(dir)
      .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
      .sort();

// Each bench in a process of its own: benches import Lambda handlers against their own stand-ins, and the
// SDK clients a handler module builds once keep those endpoints for the life of the process (web.bench's
// local mode once reached chat-review.bench's stopped DynamoDB Local, so its demo setup got INTERNAL).
// One failing bench no longer ends the others either.
if (files.length > 1) {
  const failed: string[] = [];
  for (const file of files) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_FILE: file },
    });
    if (run.status !== 0)
      failed.push(`${file} (${run.signal ? `killed by ${run.signal}` : `exit code ${run.status}`})`);
  }
  if (failed.length) {
    console.error(`\nBenches that failed: ${failed.join(', ')}`);
    process.exit(1);
  }
  process.exit(0);
}

for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as BenchModule;
  console.log(`\n## ${file}`);
  let tables: BenchTable[];
  try {
    tables = await mod.default();
  } catch (error) {
    // Why, in the bench's own words (which process ended, how, its last output), then the first frames.
    // Exits at once: what the bench left in the background (timers, sockets to a dead server) would keep it alive.
    const e = error as Error;
    console.error(`\n${file} failed: ${e.message ?? String(error)}`);
    if (e.stack) console.error(e.stack.split('\n').slice(1, 6).join('\n'));
    process.exit(1);
  }
  for (const table of tables) {
    console.log(`\n${table.title}`);
    console.table(table.rows);
    if (table.verdict) console.log(table.verdict);
  }
}
