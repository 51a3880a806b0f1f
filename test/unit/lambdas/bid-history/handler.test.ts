/**
 * bid-history's partial batch responses: a poisoned record is reported alone, the good records
 * beside it are written, and what depends on order (a product's bucket trim) is held back only
 * where the failure touches it. (Chat bans onto products: test/unit/lambdas/chat/bidding-bans.test.ts.)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { bidBucket, bidIdsAttr } from '../../../../lambdas/shared/domain/auctions';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const { handleRecords } = await import('../../../../lambdas/bid-history/handler');

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);

let seq = 1000;
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', keys: Record<string, unknown>, next?: Record<string, unknown>, old?: Record<string, unknown>): DynamoDBRecord {
  seq++;
  return {
    eventID: `ev-${seq}`, eventName, eventSource: 'aws:dynamodb',
    dynamodb: {
      SequenceNumber: String(seq), StreamViewType: 'NEW_AND_OLD_IMAGES', Keys: marshall(keys) as never,
      NewImage: next ? (marshall(next, { removeUndefinedValues: true }) as never) : undefined,
      OldImage: old ? (marshall(old, { removeUndefinedValues: true }) as never) : undefined,
    },
  };
}

/** The product MODIFY of its `count`-th accepted bid, `amount`, with the id buckets of earlier bids still on it. */
function bid(productId: string, count: number, amount: number, bidId = `bid-${productId}-${count}`): DynamoDBRecord {
  const keys = { PK: `PRODUCT#${productId}`, SK: 'PRODUCT' };
  const base = { ...keys, productId, channelId: 'ch-1', currency: 'EUR', minNextBid: amount + 100, endsAt: '2026-12-02T12:00:00.000Z' };
  const next = {
    ...base, bidCount: count, currentPrice: amount,
    lastBid: { bidId, bidderId: `u-${count}`, bidderHandle: `h${count}`, amount, placedAt: `2026-12-02T11:00:${String(count).padStart(2, '0')}.000Z` },
    // An old bucket far below the price: the trim removes it.
    [bidIdsAttr(bidBucket(100))]: ['bid-old'], [bidIdsAttr(bidBucket(amount))]: [bidId],
  };
  return record('MODIFY', keys, next, { ...base, bidCount: count - 1, currentPrice: amount - 100 });
}

const seqOf = (r: DynamoDBRecord) => r.dynamodb?.SequenceNumber;
const historyPuts = () => ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.bidId as string);
const trims = () => ddb.commandCalls(UpdateCommand).filter((c) => String(c.args[0].input.UpdateExpression).includes('bidBucketFloor')).map((c) => c.args[0].input.Key?.PK as string);
beforeEach(() => {
  ddb.reset();
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
});

describe('bid-history partial batch failures', () => {
  it('reports only the poisoned bid; every other bid gets its history item', async () => {
    // Prepare
    const records = [bid('p1', 1, 1000), bid('p2', 1, 2000), bid('p1', 2, 1100, 'poison'), bid('p3', 1, 3000), bid('p1', 3, 1200)];
    ddb.on(PutCommand, { Item: { bidId: 'poison' } }).rejects(new Error('item too large'));
    // Act
    const out = await handleRecords(doc, 'Main', records);
    // Assess
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: seqOf(records[2] as DynamoDBRecord) }]);
    expect(historyPuts().sort()).toEqual(['bid-p1-1', 'bid-p1-3', 'bid-p2-1', 'bid-p3-1', 'poison'].sort());
  });

  it('trims the buckets of products whose bids were all written, never of the product with the failed bid', async () => {
    const records = [bid('p1', 1, 1000), bid('p1', 2, 1100, 'poison'), bid('p1', 3, 1200), bid('p2', 1, 2000), bid('p2', 2, 2100)];
    ddb.on(PutCommand, { Item: { bidId: 'poison' } }).rejects(new Error('throttled'));
    const out = await handleRecords(doc, 'Main', records);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: seqOf(records[1] as DynamoDBRecord) }]);
    expect(trims()).toEqual(['PRODUCT#p2']);
    // From p2's newest image: its floor is the bucket just under its newest bid.
    const trim = ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.PK === 'PRODUCT#p2')?.args[0].input;
    expect(trim?.ExpressionAttributeValues).toEqual({ ':floor': bidBucket(2100) - 1 });
  });

  it('reports the newest record of a product whose trim failed, and nothing else', async () => {
    const records = [bid('p1', 1, 1000), bid('p1', 2, 1100), bid('p2', 1, 2000)];
    ddb.on(UpdateCommand, { Key: { PK: 'PRODUCT#p1', SK: 'PRODUCT' } }).rejects(new Error('throttled'));
    const out = await handleRecords(doc, 'Main', records);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: seqOf(records[1] as DynamoDBRecord) }]);
    expect(trims().sort()).toEqual(['PRODUCT#p1', 'PRODUCT#p2']);
  });

  it('names every record when the whole batch fails (no throw), so the retry starts at the first', async () => {
    const records = [bid('p1', 1, 1000), bid('p2', 1, 2000)];
    ddb.on(PutCommand).rejects(new Error('DynamoDB unavailable'));
    const out = await handleRecords(doc, 'Main', records);
    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(records.map(seqOf).sort());
    expect(trims()).toEqual([]);
  });
});
