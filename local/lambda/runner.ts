/**
 * Runs the platform's Lambda handlers in-process, unchanged. The environment (table names, local
 * endpoints through AWS_ENDPOINT_URL_<SERVICE>) is set before a handler module is first imported,
 * because the handlers create their SDK clients at module load, as they do in Lambda.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FUNCTIONS, type FunctionSpec } from '../../lib/functions/catalog';
import { runAs } from '../iam/caller';

const ROOT = join(import.meta.dirname, '..', '..');

export interface LambdaRunner {
  invoke(name: string, event: unknown): Promise<unknown>;
  /** Invocations that failed, newest last (for diagnostics and tests). */
  readonly failures: { name: string; error: string; at: string }[];
}

export interface LambdaRunnerOptions {
  /** Environment every handler sees (merged into process.env once, before the first import). */
  env: Record<string, string>;
  log?: (line: string) => void;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export function createLambdaRunner(opts: LambdaRunnerOptions): LambdaRunner {
  // Handler modules and the SDK clients they build are loaded once per process and keep the endpoints
  // they first saw: a process that already pointed them elsewhere (an earlier platform, a bench) would
  // have this platform's handlers call stand-ins that are gone. Said at start, not as INTERNAL later.
  const moved = Object.entries(opts.env).filter(
    ([name, value]) =>
      name.startsWith('AWS_ENDPOINT_URL_') && process.env[name] !== undefined && process.env[name] !== value,
  );
  if (moved.length) {
    opts.log?.(
      `warning: this process already set ${moved.map(([name]) => name).join(', ')} for other endpoints; Lambda handlers loaded before keep those. Run each local platform in a process of its own.`,
    );
  }
  Object.assign(process.env, opts.env);
  const modules = new Map<string, Promise<Handler>>();
  const failures: LambdaRunner['failures'] = [];
  const load = (spec: FunctionSpec): Promise<Handler> => {
    let mod = modules.get(spec.name);
    if (!mod) {
      const url = pathToFileURL(join(ROOT, 'lambdas', spec.name, 'handler.ts')).href;
      mod = import(url).then((m: { handler: Handler }) => m.handler);
      modules.set(spec.name, mod);
    }
    return mod;
  };
  return {
    failures,
    async invoke(name, event) {
      const spec = FUNCTIONS.find((f) => f.name === name);
      if (!spec) throw new Error(`No function named ${name} in lib/functions/catalog.ts`);
      const handler = await load(spec);
      const deadline = Date.now() + (spec.timeoutSeconds ?? 10) * 1000;
      const context = {
        functionName: `local-${name}`,
        functionVersion: '$LATEST',
        awsRequestId: randomUUID(),
        memoryLimitInMB: String(spec.memoryMb ?? 256),
        invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:local-${name}`,
        logGroupName: `/local/${name}`,
        logStreamName: 'local',
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
        done: () => undefined,
        fail: () => undefined,
        succeed: () => undefined,
      };
      try {
        // The invocation's AWS calls name this function (IAM in the local mode: local/iam/caller.ts).
        return await runAs(name, () => handler(event, context));
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        failures.push({ name, error: message, at: new Date().toISOString() });
        opts.log?.(`lambda ${name} failed: ${message}`);
        throw error;
      }
    },
  };
}
