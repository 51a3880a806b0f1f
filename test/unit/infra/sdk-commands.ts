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
}

const IMPORT = /import\s*\{([^}]*)\}\s*from\s*["'](@aws-sdk\/[^"']+)["']/g;
const NEW_COMMAND = /new\s+([A-Za-z0-9_$]+Command)\s*\(/g;

/** Commands the bundle of `lambdas/<name>/handler.ts` can send, deduplicated. */
export async function sdkCommandsOf(name: string): Promise<SdkCommand[]> {
  const result = await build({
    entryPoints: [join(ROOT, 'lambdas', name, 'handler.ts')], bundle: true, write: false, metafile: true,
    platform: 'node', format: 'esm', target: 'node22', mainFields: ['module', 'main'], logLevel: 'silent',
  });
  const out = new Map<string, SdkCommand>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const inProject = !input.includes('node_modules/');
    if (!inProject && !input.includes('node_modules/@aws-lambda-powertools/')) continue;
    const source = readFileSync(join(ROOT, input), 'utf8');
    const imported = new Map<string, string>();
    for (const m of source.matchAll(IMPORT)) {
      for (const spec of (m[1] as string).split(',')) {
        const [orig, alias] = spec.trim().replace(/^type\s+/, '').split(/\s+as\s+/) as [string, string | undefined];
        if (orig) imported.set((alias ?? orig).trim(), `${m[2] as string}#${orig.trim()}`);
      }
    }
    for (const m of source.matchAll(NEW_COMMAND)) {
      const ref = imported.get(m[1] as string);
      if (!ref) continue;
      const [pkg, cls] = ref.split('#') as [string, string];
      out.set(`${pkg}#${cls}`, { pkg, name: cls.replace(/Command$/, ''), file: input });
    }
  }
  return [...out.values()];
}
