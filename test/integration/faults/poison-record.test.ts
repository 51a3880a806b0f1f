/**
 * A poisoned table-stream record: a product write no resolver makes (its `lastBid` has an empty
 * `placedAt`, as a hand edit or a buggy migration could leave it) raises the bid count, so the
 * real bid-history function turns it into a history item, which DynamoDB refuses every time (an
 * index key cannot be an empty string). The bids around it, on the same product and another one,
 * are written; the poisoned record is retried a bounded number of times and then lands, whole, in
 * `<dataDir>/dead-letters/bid-history/`, with a line in the platform's log; no other consumer
 * dead-letters anything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, provisionChannel, type LocalSession } from '../../../local/client';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import type { LocalPlatform } from '../../../local/start';
import { STREAM_RETRY_ATTEMPTS } from '../../../lib/functions/delivery';
import { account, removeDataDir, startPlatform, until, SETUP_TIMEOUT_MS } from './support';

let platform: LocalPlatform;
let dataDir: string;
let log: string[];
let seller: LocalSession;
let bidder: LocalSession;
let doc: DynamoDBDocumentClient;

const url = () => platform.endpoints.graphqlUrl;

async function openAuction(title: string): Promise<string> {
  const { createProduct } = await gql<{ createProduct: { productId: string } }>(url(), 'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
    { i: { channelId: seller.sub, title, type: 'GENERIC', saleMode: 'AUCTION', currency: 'USD', startingBid: 100, bidIncrement: 100, durationSeconds: 3600 } }, seller.idToken);
  await gql(url(), 'mutation($p: ID!) { startAuction(productId: $p) { productId } }', { p: createProduct.productId }, seller.idToken);
  return createProduct.productId;
}

const bid = (productId: string, amount: number, bidId: string) =>
  gql(url(), 'mutation($i: PlaceBidInput!) { placeBid(input: $i) { bidId } }', { i: { productId, amount, bidId } }, bidder.idToken);

const historyOf = async (productId: string): Promise<string[]> =>
  (await gql<{ product: { bids: { items: { bidId: string }[] } } }>(url(), 'query($p: ID!) { product(productId: $p) { bids(limit: 50) { items { bidId } } } }', { p: productId })).product.bids.items.map((b) => b.bidId).sort();

/** The dead letters each consumer holds: file names under its folder. */
function deadLetters(): Record<string, string[]> {
  const dir = platform.deadLetterDir;
  let consumers: string[] = [];
  try {
    consumers = readdirSync(dir);
  } catch {
    return {};
  }
  return Object.fromEntries(consumers.map((c) => [c, readdirSync(join(dir, c))]));
}

beforeAll(async () => {
  ({ platform, dataDir, log } = await startPlatform());
  seller = await account(platform, 'shop@example.com', 'shop');
  bidder = await account(platform, 'buyer@example.com', 'buyer');
  await provisionChannel(url(), seller.idToken, 'shop');
  doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: platform.endpoints.dynamodbUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }));
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  doc?.destroy();
  await platform?.stop();
  removeDataDir(dataDir);
});

describe('a poisoned table-stream record', () => {
  it('lets the records around it through and lands in the dead-letter directory after its retries', async () => {
    const a = await openAuction('Lamp');
    const b = await openAuction('Chair');
    await bid(a, 100, 'good-a-0001');
    // The poison: one more "bid" on the product, written straight to the table.
    await doc.send(new UpdateCommand({
      TableName: 'local-Main', Key: { PK: `PRODUCT#${a}`, SK: 'PRODUCT' },
      UpdateExpression: 'SET bidCount = bidCount + :one, currentPrice = :p, minNextBid = :next, lastBid = :last',
      ExpressionAttributeValues: { ':one': 1, ':p': 200, ':next': 300, ':last': { bidId: 'poison-0001', bidderId: bidder.sub, bidderHandle: 'buyer', amount: 200, placedAt: '' } },
    }));
    const poisonedAt = Date.now();
    await bid(a, 300, 'good-a-0002');
    await bid(b, 100, 'good-b-0001');
    await bid(b, 200, 'good-b-0002');

    // The good records do not wait for the poisoned one's retries to run out.
    await until('the history of the other product', async () => (await historyOf(b)).length === 2, 30_000, 200);
    const letters = await until('the dead letter', async () => (deadLetters()['bid-history']?.length ? deadLetters() : undefined), 60_000, 500);
    const deadLetteredAfter = Date.now() - poisonedAt;
    expect(await historyOf(a)).toEqual(['good-a-0001', 'good-a-0002']);
    expect(await historyOf(b)).toEqual(['good-b-0001', 'good-b-0002']);

    await platform.settled();
    expect(deadLetters()).toEqual({ 'bid-history': letters['bid-history'] });
    expect(letters['bid-history']).toHaveLength(1);
    const letter = JSON.parse(readFileSync(join(platform.deadLetterDir, 'bid-history', letters['bid-history']?.[0] as string), 'utf8')) as {
      consumer: string; source: string; attempts: number; error: string; payload: { eventName: string; dynamodb: { NewImage: Record<string, never>; SequenceNumber: string } };
    };
    expect(letter).toMatchObject({ consumer: 'bid-history', source: 'table-stream', attempts: STREAM_RETRY_ATTEMPTS + 1 });
    expect(letter.error).toContain('batchItemFailures');
    expect(letter.payload.eventName).toBe('MODIFY');
    expect(unmarshall(letter.payload.dynamodb.NewImage)).toMatchObject({ productId: a, bidCount: 2, lastBid: { bidId: 'poison-0001', placedAt: '' } });
    expect(log.some((l) => l.startsWith(`Dead letter: bid-history failed table-stream ${letter.payload.dynamodb.SequenceNumber} ${STREAM_RETRY_ATTEMPTS + 1} times`))).toBe(true);
    console.info(`poisoned record dead-lettered ${(deadLetteredAfter / 1000).toFixed(1)} s after it was written`);
  }, 120_000);
});
