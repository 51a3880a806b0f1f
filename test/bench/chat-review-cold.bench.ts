/**
 * Cold start of the chat review handler (`npm run bench -- chat-review-cold`). IVS Chat waits
 * about 200 ms for a review and then applies the room's fallback (ALLOW), so a cold instance's
 * module init plus its first DynamoDB write decides whether a message is moderated at all.
 *
 * The handler is bundled as lib/constructs/functions.ts has CDK bundle it (esbuild, ESM, minified,
 * node22, source map, `@aws-sdk/*` external as NodejsFunction leaves it for the Node.js 22 runtime,
 * which ships SDK v3), then each run starts a fresh `node --enable-source-maps` process (the
 * functions' NODE_OPTIONS) that imports the bundle (init) and reviews two messages against DynamoDB
 * Local (first and second invocation). Medians of RUNS runs, beside a floor bundle that only builds
 * a DynamoDB document client and sends the same UpdateItem.
 *
 * Locally the SDK loads from this repo's node_modules and DynamoDB is on loopback; in Lambda the
 * SDK loads from the runtime and the write crosses the network, so the absolute numbers differ,
 * while the share of init that the handler's own imports cost carries over.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { buildSync } from 'esbuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/server';
import { createTables } from '../../local/dynamodb/tables';
import type { BenchTable } from './run';

const ROOT = join(import.meta.dirname, '..', '..');
/** Inside the repo (git-ignored `.local/`), so the bundle's external `@aws-sdk/*` imports resolve. */
const OUT = join(ROOT, '.local', 'bench', 'chat-review-cold');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
/** Another handler file to measure beside these, e.g. an older version copied next to the handler. */
const COMPARE = process.env.BENCH_COMPARE_ENTRY;

/** The esbuild options NodejsFunction derives from lib/constructs/functions.ts's bundling props. */
function bundle(entry: string, outfile: string): number {
  const result = buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    external: ['@aws-sdk/*'],
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'silent',
    banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
  });
  return Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
}

const FLOOR_HANDLER = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export async function handler(event) {
  const now = new Date().toISOString();
  await ddb.send(new UpdateCommand({
    TableName: process.env.TABLE_NAME, Key: { PK: 'CHANNEL#' + event.Sender.Attributes.channelId, SK: 'MEMBER#' + event.Sender.UserId },
    UpdateExpression: 'SET lastMessageAt = :now', ConditionExpression: 'attribute_not_exists(bannedAt)',
    ExpressionAttributeValues: { ':now': now },
  }));
  return { ReviewResult: 'ALLOW', Content: event.Content, Attributes: {} };
}
`;

/** Runs in the fresh process: import (init), then two reviews; prints the three durations as JSON. */
const CHILD = `
const [bundlePath, eventsJson] = process.argv.slice(2);
const events = JSON.parse(eventsJson);
const t0 = performance.now();
const { handler } = await import(bundlePath);
const t1 = performance.now();
const first = await handler(events[0]);
const t2 = performance.now();
await handler(events[1]);
const t3 = performance.now();
process.stdout.write(JSON.stringify({ init: t1 - t0, first: t2 - t1, second: t3 - t2, result: first.ReviewResult }));
`;

interface Run {
  init: number;
  first: number;
  second: number;
  process: number;
  result: string;
}

function runOnce(bundlePath: string, childPath: string, env: NodeJS.ProcessEnv, events: unknown[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--enable-source-maps', childPath, bundlePath, JSON.stringify(events)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`cold-start child exited ${code}: ${err.slice(0, 2000)}`));
      resolve({ ...(JSON.parse(out) as Omit<Run, 'process'>), process: performance.now() - start });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

export default async function bench(): Promise<BenchTable[]> {
  mkdirSync(OUT, { recursive: true });
  const childPath = join(OUT, 'child.mjs');
  writeFileSync(childPath, CHILD);
  const floorEntry = join(OUT, 'floor-handler.mjs');
  writeFileSync(floorEntry, FLOOR_HANDLER);
  const targets = [
    {
      name: 'floor: DynamoDB document client + one UpdateItem',
      path: join(OUT, 'floor', 'index.mjs'),
      entry: floorEntry,
    },
    {
      name: 'chat-review handler',
      path: join(OUT, 'chat-review', 'index.mjs'),
      entry: join(ROOT, 'lambdas', 'chat-review', 'handler.ts'),
    },
    ...(COMPARE
      ? [{ name: `compare: ${COMPARE}`, path: join(OUT, 'compare', 'index.mjs'), entry: join(ROOT, COMPARE) }]
      : []),
  ].map((t) => ({ ...t, bytes: bundle(t.entry, t.path) }));

  const server = await startDynamoDbLocal({ port: 0 });
  try {
    const client = new DynamoDBClient({
      endpoint: server.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const doc = DynamoDBDocumentClient.from(client);
    const table = `bench-${randomUUID().slice(0, 8)}`;
    await createTables(client, { Main: table, Idempotency: `${table}-idem` });
    const room = 'arn:aws:ivschat:us-east-1:000000000000:room/cold';
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { PK: 'USER#c1', SK: 'PROFILE', userId: 'c1', chatRoomArn: room, viewerCount: 10 },
      }),
    );
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          PK: 'CHANNEL#c1',
          SK: 'CHAT',
          channelId: 'c1',
          slowModeSeconds: 0,
          autoSlowModeViewerThreshold: 1000,
          autoSlowModeSeconds: 5,
          blockedWords: ['scam', 'fake'],
          blockedWordsAction: 'MASK',
          maxMessageLength: 500,
        },
      }),
    );
    client.destroy();
    // The Lambda environment as far as the handler can tell (Tracer and Logger read these at init).
    const env = {
      PATH: process.env.PATH,
      TABLE_NAME: table,
      AWS_ENDPOINT_URL_DYNAMODB: server.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_LAMBDA_FUNCTION_NAME: 'lvs-bench-chat-review',
      POWERTOOLS_SERVICE_NAME: 'chat-review',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    // Runs alternate floor / handler so the machine's load weighs on both alike; the handler's
    // cost over the floor is the median of the per-run differences.
    const runs = targets.map(() => [] as Run[]);
    for (let i = 0; i < RUNS; i++) {
      for (const [t, target] of targets.entries()) {
        const events = [0, 1].map((k) => ({
          Content: 'is this still available?',
          MessageId: `m${i}-${k}`,
          RoomArn: room,
          Sender: { UserId: `u-${randomUUID()}`, Attributes: { channelId: 'c1', handle: 'viewer' } },
        }));
        (runs[t] as Run[]).push(await runOnce(target.path, childPath, env, events));
      }
    }
    const [floorRuns, reviewRuns] = runs as [Run[], Run[]];
    if (runs.slice(1).some((own) => own.some((r) => r.result !== 'ALLOW')))
      throw new Error('a review handler did not allow a clean message');
    const fmt = (n: number) => Number(n.toFixed(1));
    const rows: Record<string, string | number>[] = targets.map((target, t) => {
      const own = runs[t] as Run[];
      const over = (pick: (r: Run) => number) =>
        t === 0 ? '' : fmt(median(own.map((r, i) => pick(r) - pick(floorRuns[i] as Run))));
      return {
        bundle: target.name,
        KiB: Math.round(target.bytes / 1024),
        'init ms': fmt(median(own.map((r) => r.init))),
        'init over floor ms': over((r) => r.init),
        'first invoke ms': fmt(median(own.map((r) => r.first))),
        'init + first ms': fmt(median(own.map((r) => r.init + r.first))),
        'init + first over floor ms': over((r) => r.init + r.first),
        'second invoke ms': fmt(median(own.map((r) => r.second))),
        'whole process ms': fmt(median(own.map((r) => r.process))),
      };
    });
    const reviewInitMs = median(reviewRuns.map((r) => r.init));
    const reviewFirstMs = median(reviewRuns.map((r) => r.init + r.first));
    const overFloorMs = median(
      reviewRuns.map((r, i) => r.init + r.first - ((floorRuns[i] as Run).init + (floorRuns[i] as Run).first)),
    );
    return [
      {
        title: `Chat review cold start: medians of ${RUNS} fresh node ${process.version} processes, bundles as CDK builds them, DynamoDB Local`,
        rows,
        verdict:
          `Review handler init ${reviewInitMs.toFixed(1)} ms, init + first review ${reviewFirstMs.toFixed(1)} ms, ` +
          `${overFloorMs.toFixed(1)} ms over the DynamoDB-only floor (IVS Chat's review deadline: 200 ms, before Lambda's own sandbox start).`,
      },
    ];
  } finally {
    await server.stop();
  }
}
