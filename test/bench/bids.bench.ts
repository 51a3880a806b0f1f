/**
 * placeBid through the local APPSYNC_JS engine vs the floor — one raw conditional UpdateItem per
 * bid — against the same DynamoDB Local, at 1, 50 and 200 concurrent bidders on one product.
 * placeBid is one conditional UpdateItem when the bid can be decided by the product item alone
 * (docs/commerce.md); refusals, retries and soft-close-window bids take the exact path (+ a read
 * and a second write). Amounts rise from a shared counter, so most bids are valid; refused ones
 * are timed too. A last row runs every bid inside a soft-close window (exact path) to show its cost.
 */
import { Agent } from 'node:http';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handleRecords } from '../../lambdas/bid-history/handler';
import { tableStream } from '../integration/commerce/stream';
import type { DynamoDbLocalContext } from '../support/dynamo';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../../local/dynamodb/server';
import { createTables } from '../../local/dynamodb/tables';
import { createEngine } from '../../local/appsync/engine';
import type { BenchTable } from './run';

const LEVELS = [
  // Warm-up (not reported): DynamoDB Local's JVM and both client paths get the same warm-up.
  { concurrency: 20, bids: 600, softClose: false, warmup: true },
  { concurrency: 1, bids: 200, softClose: false },
  { concurrency: 50, bids: 1000, softClose: false },
  { concurrency: 200, bids: 2000, softClose: false },
  { concurrency: 50, bids: 1000, softClose: true },
];

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function drive(concurrency: number, total: number, one: (i: number) => Promise<boolean>) {
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

export default async function bench(): Promise<BenchTable[]> {
  const server = await startDynamoDbLocal({ port: 0 });
  const client = new DynamoDBClient({
    endpoint: server.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 512 }) }),
  });
  const tables = { Main: 'bench-main', Idempotency: 'bench-idem' };
  let consuming = false;
  let consumer: Promise<void> = Promise.resolve();
  try {
    await createTables(client, tables);
    // Counts the DynamoDB calls the engine makes (fast path = one UpdateItem per bid).
    const calls = new Map<string, number>();
    const counting = {
      send: (cmd: { constructor: { name: string } }) => {
        calls.set(cmd.constructor.name, (calls.get(cmd.constructor.name) ?? 0) + 1);
        return client.send(cmd as UpdateItemCommand);
      },
    } as unknown as DynamoDBClient;
    const engine = createEngine({ dynamo: counting, tables, invokeLambda: async () => null });
    // The table-stream consumer (bid history, idempotency-list trims) runs beside the engine, as on
    // AWS: its writes load the same DynamoDB Local.
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const stream = tableStream({ client, endpoint: server.endpoint, tableName: tables.Main } as DynamoDbLocalContext);
    const consume = async (): Promise<void> => {
      await stream.drain(async (records) => {
        await handleRecords(doc, tables.Main, records);
      });
    };
    consuming = true;
    consumer = (async () => {
      while (consuming) {
        await consume();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const seller = { mode: 'AMAZON_COGNITO_USER_POOLS' as const, identity: { sub: 'seller', username: 'seller', claims: { preferred_username: 'sam' }, groups: null, issuer: 'local', sourceIp: ['127.0.0.1'], defaultAuthStrategy: 'ALLOW' } };
    const bidder = (n: number) => ({ ...seller, identity: { ...seller.identity, sub: `b${n}`, username: `b${n}`, claims: { preferred_username: `b${n}` } } });
    const rows: Record<string, string | number>[] = [];
    let worst = 0;
    for (const level of LEVELS as { concurrency: number; bids: number; softClose: boolean; warmup?: boolean }[]) {
      const created = await engine.execute({
        query: 'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
        variables: {
          i: {
            channelId: 'seller', title: 'Bench', type: 'GENERIC', saleMode: 'AUCTION', currency: 'USD', startingBid: 100, bidIncrement: 1,
            ...(level.softClose ? { durationSeconds: 60, softCloseSeconds: 120 } : { durationSeconds: 3600 }),
          },
        },
        auth: seller,
      });
      const productId = (created.data?.createProduct as { productId: string }).productId;
      await engine.execute({ query: 'mutation($p: ID!) { startAuction(productId: $p) { status } }', variables: { p: productId }, auth: seller });
      const rawKey = { PK: { S: `RAW#${level.concurrency}` }, SK: { S: 'PRODUCT' } };
      await client.send(new PutItemCommand({ TableName: tables.Main, Item: { ...rawKey, currentPrice: { N: '0' }, bidCount: { N: '0' } } }));

      calls.clear();
      const engineRun = await drive(level.concurrency, level.bids, async (i) => {
        const r = await engine.execute({
          query: 'mutation($i: PlaceBidInput!) { placeBid(input: $i) { currentPrice } }',
          variables: { i: { productId, amount: 100 + (i + 1) * 10, bidId: `bench-${level.concurrency}-${level.softClose ? 'sc' : 'n'}-${i}` } },
          auth: bidder(i % 500),
        });
        return !r.errors;
      });
      const engineCalls = [...calls.values()].reduce((a, b) => a + b, 0);
      const rawRun = await drive(level.concurrency, level.bids, async (i) => {
        try {
          await client.send(
            new UpdateItemCommand({
              TableName: tables.Main, Key: rawKey,
              UpdateExpression: 'SET currentPrice = :a, bidCount = bidCount + :one',
              ConditionExpression: 'currentPrice <= :max',
              ExpressionAttributeValues: { ':a': { N: String(100 + (i + 1) * 10) }, ':max': { N: String(100 + (i + 1) * 10 - 1) }, ':one': { N: '1' } },
            }),
          );
          return true;
        } catch {
          return false;
        }
      });
      // placeBidFast's UpdateItem sent straight from the SDK on a started product (same expression,
      // item shape and indexes): the design's own cost, without the engine.
      const twin = await engine.execute({
        query: 'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
        variables: { i: { channelId: 'seller', title: 'Twin', type: 'GENERIC', saleMode: 'AUCTION', currency: 'USD', startingBid: 100, bidIncrement: 1, durationSeconds: 3600 } },
        auth: seller,
      });
      const twinId = (twin.data?.createProduct as { productId: string }).productId;
      await engine.execute({ query: 'mutation($p: ID!) { startAuction(productId: $p) { status } }', variables: { p: twinId }, auth: seller });
      const sameWrite = await drive(level.concurrency, level.bids, async (i) => {
        const amount = 100 + (i + 1) * 10;
        const now = new Date().toISOString();
        try {
          await client.send(
            new UpdateItemCommand({
              TableName: tables.Main, Key: { PK: { S: `PRODUCT#${twinId}` }, SK: { S: 'PRODUCT' } }, ReturnValues: 'ALL_NEW',
              UpdateExpression:
                'SET currentPrice = :amount, bidCount = bidCount + :one, prevHighBidderId = if_not_exists(highBidderId, :none), highBidderId = :me, ' +
                'highBidderHandle = :handle, minNextBid = :amount + if_not_exists(fixedIncrement, :ladder), recentBidIds = list_append(recentBidIds, :ids), ' +
                'lastBid = :last, updatedAt = :now',
              ConditionExpression:
                '#status = :open AND softCloseAt > :now AND channelId <> :me AND minNextBid <= :amount AND size(recentBidIds) < :max ' +
                'AND NOT contains(recentBidIds, :bidId) AND NOT contains(bannedBidders, :me)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':amount': { N: String(amount) }, ':one': { N: '1' }, ':none': { NULL: true }, ':me': { S: `b${i % 500}` }, ':handle': { S: `b${i % 500}` },
                ':ladder': { N: '50' }, ':ids': { L: [{ S: `t-${i}` }] }, ':now': { S: now }, ':open': { S: 'AUCTION_OPEN' }, ':max': { N: '100000' }, ':bidId': { S: `t-${i}` },
                ':last': { M: { bidId: { S: `t-${i}` }, bidderId: { S: `b${i % 500}` }, bidderHandle: { S: `b${i % 500}` }, amount: { N: String(amount) }, placedAt: { S: now } } },
              },
            }),
          );
          return true;
        } catch {
          return false;
        }
      });
      if (level.warmup) continue;
      const ratio = engineRun.p50 / rawRun.p50;
      if (!level.softClose) worst = Math.max(worst, ratio);
      rows.push({
        case: level.softClose ? 'soft-close window' : 'normal', bidders: level.concurrency, bids: level.bids,
        'engine bids/s': Math.round(engineRun.throughput), 'engine p50 ms': +engineRun.p50.toFixed(2), 'engine p99 ms': +engineRun.p99.toFixed(2), 'engine accepted': engineRun.accepted,
        'raw bids/s': Math.round(rawRun.throughput), 'raw p50 ms': +rawRun.p50.toFixed(2), 'raw p99 ms': +rawRun.p99.toFixed(2), 'raw accepted': rawRun.accepted,
        'engine DynamoDB calls/bid': +(engineCalls / level.bids).toFixed(2),
        'fast write raw p50 ms': +sameWrite.p50.toFixed(2), 'fast write raw bids/s': Math.round(sameWrite.throughput),
        'p50 ratio': +ratio.toFixed(2), 'p99 ratio': +(engineRun.p99 / rawRun.p99).toFixed(2), 'throughput ratio': +(rawRun.throughput / engineRun.throughput).toFixed(2),
      });
    }
    return [
      {
        title: 'placeBid through the local APPSYNC_JS engine vs raw conditional UpdateItem (DynamoDB Local, one product)',
        rows,
        verdict: `Target resolver path <= 1.25x raw (p50, normal rows): ${worst <= 1.25 ? 'met' : 'NOT met'} (worst p50 ratio ${worst.toFixed(2)}x).`,
      },
    ];
  } finally {
    consuming = false;
    await consumer;
    client.destroy();
    await server.stop();
  }
}
