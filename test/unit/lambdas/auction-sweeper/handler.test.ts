import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

process.env.TABLE_NAME = 'main';
const publish = vi.hoisted(() => vi.fn(async () => ({})));
vi.mock('../../../../lambdas/shared/appsync-publish', () => ({ publish }));
const { handler } = await import('../../../../lambdas/auction-sweeper/handler');

const ddb = mockClient(DynamoDBDocumentClient);
const past = new Date(Date.now() - 1000).toISOString();
const base = {
  productId: 'prd_A',
  channelId: 'c1',
  title: 'Tee',
  currency: 'USD',
  status: 'AUCTION_OPEN',
  endsAt: past,
};

describe('auction-sweeper', () => {
  beforeEach(() => {
    ddb.reset();
    publish.mockClear();
    ddb.on(QueryCommand).resolves({ Items: [{ productId: 'prd_A', channelId: 'c1' }] });
  });

  it('sells to the high bidder in one conditional transaction and publishes', async () => {
    ddb
      .on(GetCommand, { Key: { PK: 'PRODUCT#prd_A', SK: 'PRODUCT' } })
      .resolves({ Item: { ...base, bidCount: 3, highBidderId: 'b1', highBidderHandle: 'bee', currentPrice: 4200 } });
    ddb
      .on(GetCommand, { Key: { PK: 'USER#c1', SK: 'PROFILE' } })
      .resolves({ Item: { status: 'LIVE', currentStreamId: 'st-1' } });
    ddb.on(TransactWriteCommand).resolves({});
    const out = await handler();
    expect(out.closed).toEqual([
      { productId: 'prd_A', outcome: 'SOLD', saleId: expect.stringMatching(/^sal_[0-9A-HJKMNP-TV-Z]{20}$/) },
    ]);
    const tx = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(tx[0]?.Update?.ConditionExpression).toBe('#status = :open AND bidCount = :count AND endsAt <= :now');
    expect(tx[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':count': 3, ':sold': 'SOLD' });
    expect(tx[1]?.Put?.Item).toMatchObject({
      kind: 'AUCTION',
      price: 4200,
      buyerId: 'b1',
      streamId: 'st-1',
      GSI1PK: 'STREAM#st-1#SALES',
    });
    expect(tx[2]?.Put?.Item).toMatchObject({ PK: 'USER#b1', price: 4200 });
    expect(publish).toHaveBeenCalledWith(expect.stringContaining('publishAuctionClosed'), {
      input: { channelId: 'c1', productId: 'prd_A', outcome: 'SOLD', saleId: out.closed[0]?.saleId },
    });
  });

  it('no bids → NO_SALE (product UNSOLD, no sale item)', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...base, bidCount: 0 } });
    ddb.on(TransactWriteCommand).resolves({});
    const out = await handler();
    expect(out.closed).toEqual([{ productId: 'prd_A', outcome: 'NO_SALE' }]);
    expect(ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems).toHaveLength(1);
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('skips an auction a late bid or the owner changed meanwhile, and one not yet due', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...base, bidCount: 1, highBidderId: 'b1', currentPrice: 100 } });
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
      }),
    );
    expect(await handler()).toEqual({ closed: [], skipped: ['prd_A'] });
    ddb
      .on(GetCommand)
      .resolves({ Item: { ...base, endsAt: new Date(Date.now() + 60_000).toISOString(), bidCount: 0 } });
    expect((await handler()).skipped).toEqual(['prd_A']);
    expect(publish).not.toHaveBeenCalled();
  });
});
