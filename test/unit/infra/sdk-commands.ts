/**
 * The AWS SDK commands a function sends, read from its code: esbuild bundles the handler (as CDK
 * does) and every input that is project code or Powertools (whose idempotency layer sends DynamoDB
 * commands) is scanned for `new <X>Command(` with X imported from an `@aws-sdk/*` package.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '../../..');

/** One command class a function instantiates, with the SDK package it comes from. */
export interface SdkCommand {
  /** e.g. `@aws-sdk/client-ivs` */
  pkg: string;
  /** Command class name without `Command`, e.g. `CreateChannel`. */
  name: string;
  /** Input file that sends it, relative to the repository. */
  file: string;
  /**
   * For a transaction (`TransactWrite`), the item kinds the sending file builds (`Put`, `Update`,
   * `Delete`, `ConditionCheck`: each needs its own IAM action); all four when the file shows none.
   */
  items?: string[];
}

const IMPORT = /import\s*\{([^}]*)\}\s*from\s*["'](@aws-sdk\/[^"']+)["']/g;
const NEW_COMMAND = /new\s+([A-Za-z0-9_$]+Command)\s*\(/g;
const TRANSACT_ITEM = /\b(Put|Update|Delete|ConditionCheck)\s*:\s*\{/g;
const ALL_TRANSACT_ITEMS = ['Put', 'Update', 'Delete', 'ConditionCheck'];

/** Commands the bundle of `lambdas/<name>/handler.ts` can send, deduplicated. */
export async function sdkCommandsOf(name: string): Promise<SdkCommand[]> {
  const result = await build({
    entryPoints: [join(ROOT, 'lambdas', name, 'handler.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  const out = new Map<string, SdkCommand>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const inProject = !input.includes('node_modules/');
    if (!inProject && !input.includes('node_modules/@aws-lambda-powertools/')) continue;
    const source = readFileSync(join(ROOT, input), 'utf8');
    const imported = new Map<string, string>();
    for (const m of source.matchAll(IMPORT)) {
      for (const spec of (m[1] as string).split(',')) {
        const [orig, alias] = spec
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/) as [string, string | undefined];
        if (orig) imported.set((alias ?? orig).trim(), `${m[2] as string}#${orig.trim()}`);
      }
    }
    for (const m of source.matchAll(NEW_COMMAND)) {
      const ref = imported.get(m[1] as string);
      if (!ref) continue;
      const [pkg, cls] = ref.split('#') as [string, string];
      const name = cls.replace(/Command$/, '');
      const found = name.startsWith('TransactWrite')
        ? [...new Set([...source.matchAll(TRANSACT_ITEM)].map((x) => x[1] as string))]
        : undefined;
      const items = found && (found.length ? found : ALL_TRANSACT_ITEMS);
      // Powertools' commands go to another table than the project's: kept apart.
      const key = `${pkg}#${cls}#${inProject}`;
      const seen = out.get(key)?.items;
      out.set(key, {
        pkg,
        name,
        file: input,
        ...(items ? { items: [...new Set([...(seen ?? []), ...items])].sort() } : {}),
      });
    }
  }
  return [...out.values()];
}
