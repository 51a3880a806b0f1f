/**
 * placeBid through the local APPSYNC_JS engine (pipeline: BatchGetItem + TransactWriteItems of
 * product update, bid put and ban check) vs the floor — one raw conditional UpdateItem per bid —
 * against the same DynamoDB Local, at 1, 50 and 200 concurrent bidders on one product.
 * Amounts rise from a shared counter, so most bids are valid; refused ones are timed too.
 */
import { Agent } from 'node:http';
import { BatchGetItemCommand, DynamoDBClient, PutItemCommand, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../../local/dynamodb/server';
import { createTables } from '../../local/dynamodb/tables';
import { createEngine } from '../../local/appsync/engine';
import type { BenchTable } from './run';

const LEVELS = [
  { concurrency: 1, bids: 200 },
  { concurrency: 50, bids: 1000 },
  { concurrency: 200, bids: 2000 },
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
  try {
    await createTables(client, tables);
    const engine = createEngine({ dynamo: client, tables, invokeLambda: async () => null });
    const seller = { mode: 'AMAZON_COGNITO_USER_POOLS' as const, identity: { sub: 'seller', username: 'seller', claims: { preferred_username: 'sam' }, groups: null, issuer: 'local', sourceIp: ['127.0.0.1'], defaultAuthStrategy: 'ALLOW' } };
    const bidder = (n: number) => ({ ...seller, identity: { ...seller.identity, sub: `b${n}`, username: `b${n}`, claims: { preferred_username: `b${n}` } } });
    const rows: Record<string, string | number>[] = [];
    let worst = 0;
    for (const level of LEVELS) {
      const created = await engine.execute({
        query: 'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
        variables: { i: { channelId: 'seller', title: 'Bench', type: 'GENERIC', saleMode: 'AUCTION', currency: 'USD', startingBid: 100, bidIncrement: 1, durationSeconds: 3600 } },
        auth: seller,
      });
      const productId = (created.data?.createProduct as { productId: string }).productId;
      await engine.execute({ query: 'mutation($p: ID!) { startAuction(productId: $p) { status } }', variables: { p: productId }, auth: seller });
      const rawKey = { PK: { S: `RAW#${level.concurrency}` }, SK: { S: 'PRODUCT' } };
      await client.send(new PutItemCommand({ TableName: tables.Main, Item: { ...rawKey, currentPrice: { N: '0' }, bidCount: { N: '0' } } }));

      const engineRun = await drive(level.concurrency, level.bids, async (i) => {
        const r = await engine.execute({
          query: 'mutation($i: PlaceBidInput!) { placeBid(input: $i) { currentPrice } }',
          variables: { i: { productId, amount: 100 + (i + 1) * 10, bidId: `bench-${level.concurrency}-${i}` } },
          auth: bidder(i % 500),
        });
        return !r.errors;
      });
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
      // The same two DynamoDB calls the resolver makes (read, then the 3-item transaction), sent
      // straight from the SDK: separates the engine's own overhead from the design's cost.
      const txKey = { PK: { S: `TX#${level.concurrency}` }, SK: { S: 'PRODUCT' } };
      await client.send(new PutItemCommand({ TableName: tables.Main, Item: { ...txKey, currentPrice: { N: '0' }, bidCount: { N: '0' } } }));
      const sameCalls = await drive(level.concurrency, level.bids, async (i) => {
        const amount = String(100 + (i + 1) * 10);
        await client.send(new BatchGetItemCommand({ RequestItems: { [tables.Main]: { Keys: [txKey, { PK: txKey.PK, SK: { S: `BID#${i}` } }], ConsistentRead: true } } }));
        try {
          await client.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                { Update: { TableName: tables.Main, Key: txKey, UpdateExpression: 'SET currentPrice = :a, bidCount = bidCount + :one', ConditionExpression: 'currentPrice <= :max', ExpressionAttributeValues: { ':a': { N: amount }, ':max': { N: String(Number(amount) - 1) }, ':one': { N: '1' } } } },
                { Put: { TableName: tables.Main, Item: { PK: txKey.PK, SK: { S: `BID#${i}` }, GSI1PK: { S: `USER#b${i}#BIDS` }, GSI1SK: { S: amount }, GSI2PK: { S: 'TX#BIDS' }, GSI2SK: { S: amount } }, ConditionExpression: 'attribute_not_exists(PK)' } },
                { ConditionCheck: { TableName: tables.Main, Key: { PK: { S: 'CHANNEL#seller' }, SK: { S: `BAN#b${i}` } }, ConditionExpression: 'attribute_not_exists(PK)' } },
              ],
            }),
          );
          return true;
        } catch {
          return false;
        }
      });
      const ratio = engineRun.p50 / rawRun.p50;
      worst = Math.max(worst, ratio);
      rows.push({
        bidders: level.concurrency, bids: level.bids,
        'engine bids/s': Math.round(engineRun.throughput), 'engine p50 ms': +engineRun.p50.toFixed(2), 'engine p99 ms': +engineRun.p99.toFixed(2), 'engine accepted': engineRun.accepted,
        'raw bids/s': Math.round(rawRun.throughput), 'raw p50 ms': +rawRun.p50.toFixed(2), 'raw p99 ms': +rawRun.p99.toFixed(2), 'raw accepted': rawRun.accepted,
        'same 2 calls p50 ms': +sameCalls.p50.toFixed(2), 'same 2 calls bids/s': Math.round(sameCalls.throughput),
        'p50 ratio': +ratio.toFixed(2), 'engine/same-calls p50': +(engineRun.p50 / sameCalls.p50).toFixed(2), 'throughput ratio': +(rawRun.throughput / engineRun.throughput).toFixed(2),
      });
    }
    return [
      {
        title: 'placeBid through the local APPSYNC_JS engine vs raw conditional UpdateItem (DynamoDB Local, one product)',
        rows,
        verdict: `Target resolver path <= 1.25x raw: ${worst <= 1.25 ? 'met' : 'NOT met'} (worst p50 ratio ${worst.toFixed(2)}x).`,
      },
    ];
  } finally {
    client.destroy();
    await server.stop();
  }
}
