/**
 * placeBid through the local APPSYNC_JS engine vs the floor, against the same DynamoDB Local, at
 * 1, 50 and 200 concurrent bidders on one product. The floor is the same calls sent straight
 * from the SDK:
 * - "same write": placeBid's own calls (lib/api/resolvers/lib/bids.ts): the consistent
 *   BatchGetItem of the product and the bid id, then, for a bid the product accepts, the same
 *   TransactWriteItems built by the same acceptedBid (bid item put + guarded product update).
 *   engine / same write is what the resolver path adds: the target.
 * - "minimal write": a two-attribute item outside every index (price + count): what the product
 *   item's weight, the bid item and the transaction cost on top, shown beside it.
 * Amounts rise from a shared counter, so most bids are valid and, under concurrency, many lose
 * their race (a lost race that is still valid is answered CONFLICT and counted as not accepted);
 * refused ones are timed too. Each level runs REPS rounds (default 5: at 200 bidders single rounds
 * spread 1.1-1.4x, because how many of the same bids are accepted varies with arrival order) with
 * the phase order rotated; the table shows medians. A last row runs every bid inside a soft-close
 * window (not part of the target). `BIDS_BENCH_SCALE` (default 1) multiplies every level's bid
 * count, for a quick proof run.
 */
import { Agent } from 'node:http';
import {
  BatchGetItemCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { checkBid, softCloseEndMs } from '../../lambdas/shared/domain/auctions';
import { bidKey, productKey } from '../../lambdas/shared/domain/keys';
import { acceptedBid } from '../../lib/api/resolvers/lib/bids';
import { createEngine, type Engine } from '../../local/appsync/engine';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../../local/dynamodb/server';
import { createTables } from '../../local/dynamodb/tables';
import type { BenchTable } from './run';

interface Level {
  readonly concurrency: number;
  readonly bids: number;
  readonly softClose?: boolean;
  readonly warmup?: boolean;
}

const SCALE = Number(process.env.BIDS_BENCH_SCALE ?? 1);
const LEVELS: Level[] = [
  // Warm-up (not reported): DynamoDB Local's JVM and every client path get the same warm-up.
  { concurrency: 20, bids: 600, warmup: true },
  { concurrency: 1, bids: 200 },
  { concurrency: 50, bids: 1000 },
  { concurrency: 200, bids: 2000 },
  { concurrency: 50, bids: 1000, softClose: true },
].map((l) => ({ ...l, bids: Math.max(l.concurrency, Math.round(l.bids * SCALE)) }));
const REPS = Number(process.env.BIDS_BENCH_REPS ?? 5);
/** Optional comma-separated bidder counts to run (e.g. `BIDS_BENCH_BIDDERS=200`); all by default. */
const ONLY = process.env.BIDS_BENCH_BIDDERS?.split(',').map(Number);
const TARGET = 1.25;

type Phase = 'engine' | 'same' | 'minimal';
interface Run {
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  readonly accepted: number;
  readonly callsPerBid?: number;
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const median = (xs: number[]): number =>
  pct(
    [...xs].sort((a, b) => a - b),
    50,
  );

async function drive(concurrency: number, total: number, one: (i: number) => Promise<boolean>): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  let accepted = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        if (await one(i)) accepted++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { throughput: total / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99), accepted };
}

const amountOf = (i: number): number => 100 + (i + 1) * 10;
const bidderOf = (i: number): string => `b${i % 500}`;

export default async function bench(): Promise<BenchTable[]> {
  const server = await startDynamoDbLocal({ port: 0 });
  const client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 512 }) }),
  });
  const tables = { Main: 'bench-main', Idempotency: 'bench-idem' };
  try {
    await createTables(client, tables);
    let calls = 0;
    const counting = {
      send: (cmd: UpdateItemCommand) => {
        calls++;
        return client.send(cmd);
      },
    } as unknown as DynamoDBClient;
    const engine: Engine = createEngine({ dynamo: counting, tables, invokeLambda: async () => null });

    const seller = {
      mode: 'AMAZON_COGNITO_USER_POOLS' as const,
      identity: {
        sub: 'seller',
        username: 'seller',
        claims: { handle: 'sam' },
        groups: null,
        issuer: 'local',
        sourceIp: ['127.0.0.1'],
        defaultAuthStrategy: 'ALLOW',
      },
    };
    const bidder = (i: number) => ({
      ...seller,
      identity: { ...seller.identity, sub: bidderOf(i), username: bidderOf(i), claims: { handle: bidderOf(i) } },
    });
    const openProduct = async (level: Level): Promise<string> => {
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
            ...(level.softClose ? { durationSeconds: 60, softCloseSeconds: 120 } : { durationSeconds: 3600 }),
          },
        },
        auth: seller,
      });
      const productId = (created.data?.createProduct as { productId: string }).productId;
      await engine.execute({
        query: 'mutation($p: ID!) { startAuction(productId: $p) { status } }',
        variables: { p: productId },
        auth: seller,
      });
      return productId;
    };

    const phases: Record<Phase, (level: Level, round: string) => Promise<Run>> = {
      engine: async (level, round) => {
        const productId = await openProduct(level);
        calls = 0;
        const run = await drive(level.concurrency, level.bids, async (i) => {
          const r = await engine.execute({
            query: 'mutation($i: PlaceBidInput!) { placeBid(input: $i) { currentPrice } }',
            variables: { i: { productId, amount: amountOf(i), bidId: `bench-${round}-${i}` } },
            auth: bidder(i),
          });
          return !r.errors;
        });
        return { ...run, callsPerBid: calls / level.bids };
      },
      same: async (level, round) => {
        const productId = await openProduct(level);
        return drive(level.concurrency, level.bids, async (i) => {
          const me = { sub: bidderOf(i), handle: bidderOf(i) };
          const input = { productId, amount: amountOf(i), bidId: `same-${round}-${i}` };
          const read = await client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [tables.Main]: {
                  Keys: [marshall(productKey(productId)), marshall(bidKey(productId, input.bidId))],
                  ConsistentRead: true,
                },
              },
            }),
          );
          const found = (read.Responses?.[tables.Main] ?? []).map((item) => unmarshall(item));
          const product = found.find((item) => item.SK === 'PRODUCT');
          if (!product || found.length > 1) return false;
          const nowMs = Date.now();
          const endMs = Date.parse(product.endsAt as string);
          const refusal = checkBid(
            {
              status: product.status,
              sellerId: product.channelId,
              startingBid: product.startingBid,
              bidIncrement: product.bidIncrement,
              currentPrice: product.currentPrice,
              bidCount: product.bidCount,
              endsAtMs: endMs,
            },
            { bidderId: me.sub, amount: input.amount, banned: false },
            nowMs,
          );
          if (refusal) return false;
          const newEndMs = softCloseEndMs(endMs, nowMs, product.softCloseSeconds as number | null);
          const at = {
            now: new Date(nowMs).toISOString(),
            endsAt: newEndMs === endMs ? (product.endsAt as string) : new Date(newEndMs).toISOString(),
          };
          const write = acceptedBid(product, input, me, at);
          try {
            await client.send(
              new TransactWriteItemsCommand({
                TransactItems: [
                  {
                    Put: {
                      TableName: tables.Main,
                      Item: marshall({ ...write.bid.attributes, ...write.bid.key }),
                      ConditionExpression: 'attribute_not_exists(PK)',
                      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                    },
                  },
                  {
                    Update: {
                      TableName: tables.Main,
                      Key: marshall(write.product.key),
                      UpdateExpression: write.product.update,
                      ConditionExpression: write.product.condition,
                      ExpressionAttributeNames: write.product.conditionNames,
                      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                      ExpressionAttributeValues: marshall({
                        ...write.product.updateValues,
                        ...write.product.conditionValues,
                      }),
                    },
                  },
                ],
              }),
            );
            return true;
          } catch {
            return false;
          }
        });
      },
      minimal: async (level, round) => {
        const key = { PK: { S: `RAW#${round}` }, SK: { S: 'PRODUCT' } };
        await client.send(
          new PutItemCommand({
            TableName: tables.Main,
            Item: { ...key, currentPrice: { N: '0' }, bidCount: { N: '0' } },
          }),
        );
        return drive(level.concurrency, level.bids, async (i) => {
          try {
            await client.send(
              new UpdateItemCommand({
                TableName: tables.Main,
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
      },
    };

    const rows: Record<string, string | number>[] = [];
    let worst = 0;
    for (const [n, level] of LEVELS.entries()) {
      if (ONLY && !level.warmup && !ONLY.includes(level.concurrency)) continue;
      const order: Phase[] = ['engine', 'same', 'minimal'];
      const runs: Record<Phase, Run[]> = { engine: [], same: [], minimal: [] };
      for (let rep = 0; rep < (level.warmup ? 1 : REPS); rep++) {
        for (let k = 0; k < order.length; k++) {
          const phase = order[(k + rep) % order.length] as Phase;
          runs[phase].push(await phases[phase](level, `${n}-${rep}`));
        }
      }
      if (level.warmup) continue;
      const med = (phase: Phase, f: (r: Run) => number): number =>
        runs[phase].length ? median(runs[phase].map(f)) : NaN;
      const engineP50 = med('engine', (r) => r.p50);
      const sameRatio = engineP50 / med('same', (r) => r.p50);
      if (!level.softClose) worst = Math.max(worst, sameRatio);
      const fmt = (x: number, d = 2): number | string => (Number.isNaN(x) ? '-' : +x.toFixed(d));
      rows.push({
        case: level.softClose ? 'soft-close window' : 'normal',
        bidders: level.concurrency,
        bids: level.bids,
        'engine bids/s': fmt(
          med('engine', (r) => r.throughput),
          0,
        ),
        'engine p50 ms': fmt(engineP50),
        'engine p99 ms': fmt(med('engine', (r) => r.p99)),
        'engine accepted': fmt(
          med('engine', (r) => r.accepted),
          0,
        ),
        'engine calls/bid': fmt(med('engine', (r) => r.callsPerBid ?? 0)),
        'same write bids/s': fmt(
          med('same', (r) => r.throughput),
          0,
        ),
        'same write p50 ms': fmt(med('same', (r) => r.p50)),
        'same write p99 ms': fmt(med('same', (r) => r.p99)),
        'same write accepted': fmt(
          med('same', (r) => r.accepted),
          0,
        ),
        'minimal bids/s': fmt(
          med('minimal', (r) => r.throughput),
          0,
        ),
        'minimal p50 ms': fmt(med('minimal', (r) => r.p50)),
        'p50 ratio (engine / same write)': fmt(sameRatio),
        'throughput ratio (same write / engine)': fmt(
          med('same', (r) => r.throughput) / med('engine', (r) => r.throughput),
        ),
        'p50 ratio (engine / minimal)': fmt(engineP50 / med('minimal', (r) => r.p50)),
      });
    }
    return [
      {
        title: `placeBid through the local APPSYNC_JS engine vs raw conditional UpdateItem (DynamoDB Local, one product, medians of ${REPS} rounds)`,
        rows,
        verdict:
          `Target: the resolver path adds <= ${Math.round((TARGET - 1) * 100)}% over the raw write (p50, engine / same write, normal rows): ` +
          `${worst <= TARGET ? 'met' : 'NOT met'} (worst ${worst.toFixed(2)}x).`,
      },
    ];
  } finally {
    client.destroy();
    await server.stop();
  }
}
