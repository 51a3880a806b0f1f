/**
 * Schema-driven fuzzing of the GraphQL API through the local GraphQL server (the local platform on
 * free ports, web app off). Every Query and Mutation field of lib/api/schema.graphql gets generated
 * variables (test/support/graphql-fuzz.ts: a valid baseline, and variants with one hostile value),
 * sent over HTTP as each caller the app has: a guest (unsigned, the local stand-in for the identity
 * pool's guest role), a signed-in viewer, the streamer who owns the resources, another streamer,
 * and the backend (SigV4, the Lambdas' publish* calls). For every answer:
 * - no 5xx and no hang (a per-request timeout);
 * - every error is typed: an errorType that is not an internal failure (INTERNAL, InternalFailure,
 *   a raw `DynamoDB:`/`Lambda:` data-source error) and a message that reads as a sentence;
 * - a refused mutation changed nothing: both tables are scanned (consistent reads) before it, once
 *   the platform is quiet (quiescent()), and right after its answer; the snapshots must be equal.
 *
 * Seeded and bounded: FUZZ_SEED (default below) fixes every generated value; FUZZ_RUNS cases per
 * operation (default 19: about 1,030 requests, under two minutes in CI). A long run:
 * `FUZZ_RUNS=1000 npx vitest run --project integration test/integration/fuzz` (docs/testing.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../../../lib/api/resolver-files';
import { gql, provisionChannel, signUpAndIn, type LocalSession } from '../../../local/client';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { startLocalPlatform, type LocalPlatform } from '../../../local/start';
import { caseFor, operationsOf, prng, type FuzzPools } from '../../support/graphql-fuzz';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 19);
const REQUEST_TIMEOUT_MS = 20_000;
const PASSWORD = 'Local-Test-Pass-1!';

type Role = 'guest' | 'viewer' | 'owner' | 'other' | 'backend';
const ROLES: Role[] = ['guest', 'viewer', 'owner', 'other', 'backend'];
/** What a Lambda's SigV4 request looks like to the local server (it checks the local credential scope). */
const BACKEND_AUTH =
  'AWS4-HMAC-SHA256 Credential=local/20261202/us-east-1/appsync/aws4_request, SignedHeaders=host;x-amz-date, Signature=00';

interface GqlError {
  message?: unknown;
  errorType?: unknown;
}
interface Finding {
  op: string;
  role: Role;
  input: string;
  problem: string;
}

let platform: LocalPlatform;
let dataDir: string;
let dynamo: DynamoDBClient;
const sessions = {} as Record<'owner' | 'other' | 'viewer', LocalSession>;
const serverLog: string[] = [];

const authOf = (role: Role): string | undefined =>
  role === 'guest' ? undefined : role === 'backend' ? BACKEND_AUTH : sessions[role].idToken;

async function send(
  document: string,
  variables: Record<string, unknown>,
  role: Role,
): Promise<
  { status: number; body: { data?: Record<string, unknown> | null; errors?: GqlError[] } } | { failure: string }
> {
  const auth = authOf(role);
  try {
    const res = await fetch(platform.endpoints.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify({ query: document, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as never };
    } catch {
      return { failure: `HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 120)}` };
    }
  } catch (error) {
    const e = error as Error;
    return {
      failure: e.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS} ms` : `request failed: ${e.message}`,
    };
  }
}

/** Both tables, every item, in key order: equal snapshots mean no write landed. */
async function snapshot(): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  for (const table of ['local-Main', 'local-Idempotency']) {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamo.send(
        new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) {
        const key = table === 'local-Main' ? `${item.PK?.S}|${item.SK?.S}` : `${item.id?.S}`;
        items.set(`${table}:${key}`, JSON.stringify(item, Object.keys(item).sort()));
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return items;
}

/**
 * A snapshot once the platform is quiet: settled, and the same twice in a row. The table-stream
 * consumers of an earlier accepted write (bid history, bans onto products, provisioning) run after
 * its answer; a snapshot taken while they still write would blame their writes on the next request.
 */
async function quiescent(): Promise<Map<string, string>> {
  let last = new Map<string, string>();
  for (let i = 0; i < 50; i++) {
    await platform.settled();
    const a = await snapshot();
    await new Promise((r) => setTimeout(r, 120));
    last = await snapshot();
    if (!diff(a, last).length) return last;
  }
  return last;
}

function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of after)
    if (!before.has(k)) out.push(`added ${k}`);
    else if (before.get(k) !== v) out.push(`changed ${k}`);
  for (const k of before.keys()) if (!after.has(k)) out.push(`removed ${k}`);
  return out;
}

/** An error a client can act on: typed, not an internal failure, and a sentence rather than a dump. */
function untyped(e: GqlError): string | null {
  const type = typeof e.errorType === 'string' ? e.errorType : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (!type) return `error without errorType: ${message.slice(0, 160)}`;
  if (/^(INTERNAL|InternalFailure|Lambda:|DynamoDB:|Code$)/.test(type))
    return `internal error ${type}: ${message.slice(0, 160)}`;
  if (!/^[A-Z"'$]/.test(message) || !/\s/.test(message.trim()))
    return `${type} message is not a sentence: ${JSON.stringify(message.slice(0, 160))}`;
  if (/\n\s+at |\bundefined\b|\[object Object\]|TypeError|ReferenceError|Cannot read propert/.test(message))
    return `${type} message leaks internals: ${message.slice(0, 160)}`;
  return null;
}

const shortInput = (variables: Record<string, unknown>): string => {
  const text = JSON.stringify(variables, (_k, v: unknown) =>
    typeof v === 'string' && v.length > 60
      ? `${v.slice(0, 20)}…(${v.length} chars)`
      : Array.isArray(v) && v.length > 5
        ? [...v.slice(0, 2), `…(${v.length} items)`]
        : v,
  );
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fuzz-'));
  // Thousands of requests from one address by design: the per-IP limit has its own test (test/integration/safety/rate-limit.test.ts).
  platform = await startLocalPlatform({
    dataDir,
    ports: 'free',
    web: false,
    scheduleEveryMs: 0,
    streamPollMs: 40,
    rateLimit: 'off',
    log: (line) => void serverLog.push(line),
  });
  dynamo = new DynamoDBClient({
    endpoint: platform.endpoints.dynamodbUrl,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const account = (email: string, handle: string) =>
    signUpAndIn({
      cognitoUrl: platform.endpoints.cognitoUrl,
      clientId: platform.userPoolClientId,
      outboxDir: join(dataDir, 'outbox'),
      email,
      password: PASSWORD,
      handle,
    });
  sessions.owner = await account('ann@example.com', 'ann');
  sessions.other = await account('bob@example.com', 'bob');
  sessions.viewer = await account('vic@example.com', 'vic');
  await provisionChannel(platform.endpoints.graphqlUrl, sessions.owner.idToken, undefined, 60_000);
  await provisionChannel(platform.endpoints.graphqlUrl, sessions.other.idToken, undefined, 60_000);
}, 240_000);

afterAll(async () => {
  dynamo?.destroy();
  await platform?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Products (draft, open auction, buy-now) and a schedule of each streamer, for the valid baselines to name. */
async function seedResources(): Promise<FuzzPools> {
  const url = platform.endpoints.graphqlUrl;
  const create = async (token: string, channelId: string, input: Record<string, unknown>): Promise<string> =>
    (
      await gql<{ createProduct: { productId: string } }>(
        url,
        'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
        {
          i: { channelId, title: 'Seed lamp', type: 'GENERIC', params: '{}', currency: 'USD', ...input },
        },
        token,
      )
    ).createProduct.productId;
  const start = (token: string, productId: string) =>
    gql(url, 'mutation($p: ID!) { startAuction(productId: $p) { status } }', { p: productId }, token);
  const own = sessions.owner;
  const oth = sessions.other;
  const auction = { saleMode: 'AUCTION', startingBid: 1000, durationSeconds: 3600 };
  const draft = await create(own.idToken, own.sub, auction);
  const open = await create(own.idToken, own.sub, auction);
  await start(own.idToken, open);
  const buyNow = await create(own.idToken, own.sub, { saleMode: 'BUY_NOW', buyNowPrice: 2500 });
  const otherOpen = await create(oth.idToken, oth.sub, auction);
  await start(oth.idToken, otherOpen);
  const otherBuyNow = await create(oth.idToken, oth.sub, { saleMode: 'BUY_NOW', buyNowPrice: 2500 });
  const schedule = (token: string) =>
    gql<{ scheduleStream: { scheduleId: string } }>(
      url,
      'mutation($i: ScheduleStreamInput!) { scheduleStream(input: $i) { scheduleId } }',
      {
        i: { title: 'Seed show', startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() },
      },
      token,
    );
  const scheduleIds = [
    (await schedule(own.idToken)).scheduleStream.scheduleId,
    (await schedule(oth.idToken)).scheduleStream.scheduleId,
  ];
  await platform.settled();
  return {
    owner: { userId: own.sub, handle: 'ann' },
    other: { userId: oth.sub, handle: 'bob' },
    viewer: { userId: sessions.viewer.sub, handle: 'vic' },
    products: { owner: [draft, open, buyNow], other: [otherOpen, otherBuyNow] },
    openAuction: open,
    scheduleIds,
    recordingIds: ['rec-fuzz-none', `rec_${'0'.repeat(20)}`],
    streamIds: ['st-fuzz-none', 'st-0'],
    nowMs: Date.now(),
  };
}

describe('GraphQL fuzzing through the local server', () => {
  it(`sends ${RUNS} generated inputs per query and mutation as each role: no 5xx, no hang, typed refusals, no write on refusal`, async () => {
    const pools = await seedResources();
    const operations = operationsOf(loadSchema());
    const rng = prng(SEED);
    const findings: Finding[] = [];
    const sent = new Map<string, number>();
    const outcomes = new Map<string, number>();
    const roles = new Set<Role>();
    let stateChecks = 0;
    let clean: Map<string, string> | undefined;
    const t0 = Date.now();

    for (const [opIndex, op] of operations.entries()) {
      for (let i = 0; i < RUNS; i++) {
        const role = ROLES[(i + opIndex) % ROLES.length] as Role;
        const c = caseFor(op, i, rng, pools);
        const note = (problem: string) =>
          findings.push({ op: op.name, role, input: `${c.label} ${shortInput(c.variables)}`, problem });
        let before: Map<string, string> | undefined;
        if (op.kind === 'mutation') {
          clean ??= await quiescent();
          before = clean;
        }
        clean = undefined;
        const answer = await send(op.document, c.variables, role);
        sent.set(op.name, (sent.get(op.name) ?? 0) + 1);
        roles.add(role);
        if ('failure' in answer) {
          note(answer.failure);
          continue;
        }
        if (answer.status >= 500) note(`HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
        const errors = answer.body.errors ?? [];
        for (const e of errors) {
          const problem = untyped(e);
          if (problem) note(problem);
        }
        const refused = errors.length > 0 && (answer.body.data?.[op.name] ?? null) === null;
        const outcome = refused ? `refused:${String(errors[0]?.errorType)}` : errors.length ? 'partial' : 'ok';
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (op.kind === 'mutation' && refused && before) {
          // Right after the answer: every later effect in this platform (table-stream consumers,
          // events) starts from a table write, which this snapshot would already show.
          const after = await snapshot();
          stateChecks++;
          const changed = diff(before, after);
          if (changed.length)
            note(`refused (${String(errors[0]?.errorType)}) but wrote: ${changed.slice(0, 5).join(', ')}`);
          else clean = after;
        }
      }
    }

    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    const total = [...sent.values()].reduce((a, b) => a + b, 0);
    // The run's summary stays in the test output: what was sent, how it was answered, what was found.
    console.info(
      `GraphQL fuzz: seed ${SEED}, ${RUNS} runs per operation, ${total} requests over ${sent.size} operations in ${seconds} s, ${stateChecks} refused mutations checked against table scans`,
    );
    console.info(`Outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}`);
    if (findings.length)
      console.info(
        `Findings (replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}):\n${findings.map((f) => `- ${f.op} as ${f.role}: ${f.problem}\n    input: ${f.input}`).join('\n')}`,
      );

    // Every query and every mutation the schema declares was sent.
    const schema = loadSchema();
    const declared = [
      ...Object.keys(schema.getQueryType()?.getFields() ?? {}),
      ...Object.keys(schema.getMutationType()?.getFields() ?? {}),
    ];
    expect([...sent.keys()].sort()).toEqual(declared.sort());
    expect([...roles].sort()).toEqual([...ROLES].sort());
    if (RUNS >= 19) expect(total).toBeGreaterThanOrEqual(1000);
    expect(stateChecks).toBeGreaterThan(0);
    expect(findings).toEqual([]);
  }, 900_000);
});
