/**
 * The bid-path decision's measures (docs/decisions/bid-path.md) for placeBid as built, through the
 * local APPSYNC_JS engine, beside a minimal conditional write, on the same DynamoDB Local, at 1, 50
 * and 200 concurrent bidders on one product:
 * - current: Mutation.placeBid (loadBid → placeBidWrite: one consistent read, then one
 *   TransactWriteItems putting the bid item and updating the product).
 * - minimal: a two-attribute item outside every index (bids.bench.ts's floor).
 * The prototypes the decision compared (a read-then-transaction loop, bid-first with a PENDING
 * item) are in this file's history (commit 83875f6).
 * Each level runs BID_PATH_REPS rounds (default 3) with the phase order rotated; medians shown.
 * After each run: lost bids (an accepted answer without its bid item, or a final price below the
 * highest accepted amount), every accepted bid of the first 20 re-sent (answer must equal the
 * first), and the product item's size (DynamoDB's size rules) for write units.
 */
import { Agent } from 'node:http';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createEngine, type Engine } from '../../local/appsync/engine';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../../local/dynamodb/server';
import { createTables } from '../../local/dynamodb/tables';
import type { BenchTable } from './run';

interface Level {
  readonly concurrency: number;
  readonly bids: number;
  readonly warmup?: boolean;
}
const SMALL = process.env.BID_PATH_SMALL === '1';
const LEVELS: Level[] = SMALL
  ? [
      { concurrency: 5, bids: 40 },
      { concurrency: 20, bids: 100 },
    ]
  : [
      { concurrency: 20, bids: 40, warmup: true },
      { concurrency: 1, bids: 15 },
      { concurrency: 50, bids: 200 },
      { concurrency: 200, bids: Number(process.env.BID_PATH_BIDS_200 ?? 600) },
    ];
const REPS = Number(process.env.BID_PATH_REPS ?? 3);
const ONLY = process.env.BID_PATH_BIDDERS?.split(',').map(Number);
const RETRIED = 20;

type Phase = 'current' | 'minimal';
const PHASES: Phase[] = ['current', 'minimal'];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Item = Record<string, any>;
type Bid = { productId: string; amount: number; bidId: string; bidder: string };
/** A placeBid answer: the BidPlaced payload, or the refusal's error type. */
type Answer = { ok: true; placed: Item } | { ok: false; error: string };
interface Run {
  readonly throughput: number;
  readonly acceptedPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly accepted: number;
  readonly lost: number;
  readonly retryMismatches: number;
  readonly productBytes: number;
  readonly bidBytes: number;
  readonly calls: number;
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const median = (xs: number[]): number =>
  pct(
    [...xs].sort((a, b) => a - b),
    50,
  );
const amountOf = (i: number): number => 100 + (i + 1) * 10;
const bidderOf = (i: number): string => `b${i % 500}`;

/** DynamoDB's item size: attribute names plus values (numbers ~1 byte per 2 digits + 1, lists/maps 3 + 1 per element). */
export function itemBytes(value: unknown, name = ''): number {
  const n = Buffer.byteLength(name);
  if (value === null || value === undefined || typeof value === 'boolean') return n + 1;
  if (typeof value === 'number') return n + Math.ceil(String(Math.abs(value)).replace('.', '').length / 2) + 1;
  if (typeof value === 'string') return n + Buffer.byteLength(value);
  if (value instanceof Set) return n + [...value].reduce((s: number, v) => s + itemBytes(v), 0);
  if (Array.isArray(value)) return n + 3 + value.reduce((s: number, v) => s + 1 + itemBytes(v), 0);
  return n + 3 + Object.entries(value as Item).reduce((s, [k, v]) => s + 1 + itemBytes(v, k), 0);
}
/** Write units of one standard write of an item, its GSI copies (projection ALL) included. */
/** An answer as a string with sorted keys (DynamoDB returns map attributes in any order). */
const canonical = (a: Answer): string =>
  JSON.stringify(a, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );
const units = (bytes: number, indexes: number): number => Math.ceil(bytes / 1024) * (1 + indexes);

export default async function bench(): Promise<BenchTable[]> {
  const server = await startDynamoDbLocal({ port: 0 });
  const client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 512 }) }),
  });
  const tables = { Main: 'bench-main', Idempotency: 'bench-idem' };
  const T = tables.Main;
  let calls = 0;
  try {
    await createTables(client, tables);
    const counting = {
      send: (cmd: never) => {
        calls++;
        return client.send(cmd);
      },
    } as unknown as DynamoDBClient;
    const engine: Engine = createEngine({ dynamo: counting, tables, invokeLambda: async () => null });
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

    const auth = (sub: string) => ({
      mode: 'AMAZON_COGNITO_USER_POOLS' as const,
      identity: {
        sub,
        username: sub,
        claims: { handle: sub },
        groups: null,
        issuer: 'local',
        sourceIp: ['127.0.0.1'],
        defaultAuthStrategy: 'ALLOW',
      },
    });
    const openProduct = async (): Promise<string> => {
      const created = await engine.execute({
        query: 'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
        variables: {
          i: {
            channelId: 'seller',
            title: 'Bench',
            type: 'GENERIC',
            saleMode: 'AUCTION',
            currency: 'USD',
            startingBid: 100,
            bidIncrement: 1,
            durationSeconds: 3600,
          },
        },
        auth: auth('seller'),
      });
      const productId = (created.data?.createProduct as { productId: string }).productId;
      await engine.execute({
        query: 'mutation($p: ID!) { startAuction(productId: $p) { status } }',
        variables: { p: productId },
        auth: auth('seller'),
      });
      return productId;
    };
    const productKey = (productId: string) => ({ PK: `PRODUCT#${productId}`, SK: 'PRODUCT' });
    const place: Record<Exclude<Phase, 'minimal'>, (b: Bid) => Promise<Answer>> = {
      current: async (b) => {
        const r = await engine.execute({
          query:
            'mutation($i: PlaceBidInput!) { placeBid(input: $i) { channelId productId bidId bidderId bidderHandle amount currency currentPrice minNextBid bidCount endsAt placedAt previousHighBidderId } }',
          variables: { i: { productId: b.productId, amount: b.amount, bidId: b.bidId } },
          auth: auth(b.bidder),
        });
        return r.errors
          ? { ok: false, error: String(r.errors[0]?.errorType) }
          : { ok: true, placed: r.data?.placeBid as Item };
      },
    };

    const drive = async (concurrency: number, total: number, one: (i: number) => Promise<boolean>) => {
      const latencies: number[] = [];
      let next = 0;
      let accepted = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < total) {
            const i = next++;
            const t = performance.now();
            // A call DynamoDB Local failed (overloaded: 500, reset socket) counts as a refused bid.
            if (await one(i).catch(() => false)) accepted++;
            latencies.push(performance.now() - t);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        throughput: total / seconds,
        acceptedPerSecond: accepted / seconds,
        p50: pct(latencies, 50),
        p99: pct(latencies, 99),
        accepted,
      };
    };

    const bidItems = async (productId: string): Promise<Map<string, Item>> => {
      const found = new Map<string, Item>();
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: T,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :bid)',
            ExpressionAttributeValues: { ':pk': `PRODUCT#${productId}`, ':bid': 'BID#' },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) found.set(String(item.bidId), item);
        start = page.LastEvaluatedKey;
      } while (start);
      return found;
    };

    const run = async (phase: Phase, level: Level, round: string): Promise<Run> => {
      if (phase === 'minimal') {
        const key = { PK: { S: `RAW#${round}` }, SK: { S: 'PRODUCT' } };
        await client.send(
          new PutItemCommand({ TableName: T, Item: { ...key, currentPrice: { N: '0' }, bidCount: { N: '0' } } }),
        );
        const r = await drive(level.concurrency, level.bids, async (i) => {
          try {
            await client.send(
              new UpdateItemCommand({
                TableName: T,
                Key: key,
                UpdateExpression: 'SET currentPrice = :a, bidCount = bidCount + :one',
                ConditionExpression: 'currentPrice <= :max',
                ExpressionAttributeValues: {
                  ':a': { N: String(amountOf(i)) },
                  ':max': { N: String(amountOf(i) - 1) },
                  ':one': { N: '1' },
                },
              }),
            );
            return true;
          } catch {
            return false;
          }
        });
        return { ...r, lost: 0, retryMismatches: 0, productBytes: 30, bidBytes: 0, calls: 1 };
      }
      const productId = await openProduct();
      const answers = new Map<number, Answer>();
      const bidOf = (i: number): Bid => ({
        productId,
        amount: amountOf(i),
        bidId: `${phase}-${round}-${i}`,
        bidder: bidderOf(i),
      });
      calls = 0;
      const r = await drive(level.concurrency, level.bids, async (i) => {
        const a = await place[phase](bidOf(i)).catch((err: Error): Answer => ({ ok: false, error: err.name }));
        answers.set(i, a);
        return a.ok;
      });
      const callsPerBid = calls / level.bids;
      const product = (
        await doc.send(new GetCommand({ TableName: T, Key: productKey(productId), ConsistentRead: true }))
      ).Item as Item;
      const items = await bidItems(productId);
      const acceptedBids = [...answers].filter(([, a]) => a.ok);
      const top = Math.max(0, ...acceptedBids.map(([i]) => amountOf(i)));
      const lost =
        acceptedBids.filter(([i]) => !items.get(bidOf(i).bidId)?.placed).length + (product.currentPrice < top ? 1 : 0);
      let retryMismatches = 0;
      for (const [i, first] of acceptedBids.slice(0, RETRIED)) {
        const again = await place[phase](bidOf(i));
        if (canonical(again) !== canonical(first)) retryMismatches++;
      }
      const someBid = items.values().next().value as Item | undefined;
      return {
        ...r,
        lost,
        retryMismatches,
        productBytes: itemBytes(product),
        bidBytes: someBid ? itemBytes(someBid) : 0,
        calls: callsPerBid,
      };
    };

    const rows: Record<string, string | number>[] = [];
    for (const [n, level] of LEVELS.entries()) {
      if (ONLY && !level.warmup && !ONLY.includes(level.concurrency)) continue;
      const runs: Record<Phase, Run[]> = { current: [], minimal: [] };
      for (let rep = 0; rep < (level.warmup ? 1 : REPS); rep++) {
        for (let k = 0; k < PHASES.length; k++) {
          const phase = PHASES[(k + rep) % PHASES.length] as Phase;
          runs[phase].push(await run(phase, level, `${n}-${rep}`));
          process.stderr.write(
            `${level.concurrency} bidders, round ${rep}, ${phase}: ${JSON.stringify(runs[phase].at(-1))}\n`,
          );
        }
      }
      if (level.warmup) continue;
      const minimal = median(runs.minimal.map((r) => r.throughput));
      for (const phase of PHASES) {
        if (!runs[phase].length) continue;
        const med = (f: (r: Run) => number): number => median(runs[phase].map(f));
        const productBytes = med((r) => r.productBytes);
        const bidBytes = med((r) => r.bidBytes);
        // Product item in GSI1 and GSI2, bid item in GSI1 and GSI2 (projection ALL); a transaction bills 2x.
        const wcu = phase === 'minimal' ? 1 : 2 * (units(productBytes, 2) + units(bidBytes, 2));
        rows.push({
          bidders: level.concurrency,
          bids: level.bids,
          design: phase,
          'bids/s': Math.round(med((r) => r.throughput)),
          'accepted/s': Math.round(med((r) => r.acceptedPerSecond)),
          'x minimal': +(med((r) => r.throughput) / minimal).toFixed(2),
          'p50 ms': Math.round(med((r) => r.p50)),
          'p99 ms': Math.round(med((r) => r.p99)),
          accepted: med((r) => r.accepted),
          lost: Math.max(...runs[phase].map((r) => r.lost)),
          'retry mismatches': Math.max(...runs[phase].map((r) => r.retryMismatches)),
          'product bytes': productBytes,
          'bid item bytes': bidBytes,
          'WCU/bid': wcu,
          'calls/bid': +med((r) => r.calls).toFixed(2),
        });
      }
    }
    return [
      {
        title: `placeBid as built vs a minimal write on DynamoDB Local, one product, medians of ${REPS} rounds (lost / retry mismatches: worst round)`,
        rows,
        verdict:
          'Target at 200 bidders: bids/s >= 0.7x minimal, 0 lost, 0 retry mismatches, WCU/bid flat in the number of bids (docs/decisions/bid-path.md).',
      },
    ];
  } finally {
    client.destroy();
    await server.stop();
  }
}
