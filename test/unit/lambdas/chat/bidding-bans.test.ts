/**
 * A chat ban reaches bidding: applyBanToBidding writes the ban state onto the channel's draft and
 * open products (every page), skips products deleted meanwhile, fails on other errors (the
 * moderator's request fails and is retried), and converges when a ban and an unban cross.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyBanToBidding } from '../../../../lambdas/chat-moderation/bidding-bans';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);
const BAN = { PK: 'CHANNEL#c1', SK: 'BAN#u2' };

/** Each product update as `<ADD|DELETE> <product PK>`. */
const writes = () =>
  ddb
    .commandCalls(UpdateCommand)
    .map((c) => `${String(c.args[0].input.UpdateExpression).split(' ')[0]} ${String(c.args[0].input.Key?.PK)}`);

beforeEach(() => {
  ddb.reset();
  ddb
    .on(QueryCommand)
    .resolvesOnce({ Items: [{ PK: 'PRODUCT#p1', SK: 'PRODUCT' }], LastEvaluatedKey: { PK: 'PRODUCT#p1' } })
    .resolves({ Items: [{ PK: 'PRODUCT#p2', SK: 'PRODUCT' }] });
  ddb.on(UpdateCommand).resolves({});
  ddb.on(GetCommand, { Key: BAN }).resolves({ Item: { ...BAN, userId: 'u2' } });
});

describe('applyBanToBidding', () => {
  it('adds the user to bannedBidders of every draft and open product of the channel, all pages', async () => {
    await applyBanToBidding(doc, 'Main', 'c1', 'u2', true);
    expect(writes()).toEqual(['ADD PRODUCT#p1', 'ADD PRODUCT#p2']);
    const query = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query).toMatchObject({
      IndexName: 'GSI1',
      ExpressionAttributeValues: { ':pk': 'CHANNEL#c1#PRODUCTS', ':draft': 'DRAFT', ':open': 'AUCTION_OPEN' },
    });
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({ PK: 'PRODUCT#p1' });
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual({
      ':u': new Set(['u2']),
    });
  });

  it('converges on the ban item when an unban is crossed by a ban: the products end banned', async () => {
    // The unban pass ran, but the ban item is back (another moderator banned meanwhile).
    ddb.on(QueryCommand).resolves({ Items: [{ PK: 'PRODUCT#p1', SK: 'PRODUCT' }] });
    await applyBanToBidding(doc, 'Main', 'c1', 'u2', false);
    expect(writes()).toEqual(['DELETE PRODUCT#p1', 'ADD PRODUCT#p1']);
  });

  it('skips a product deleted since the query, and fails on any other error', async () => {
    ddb
      .on(UpdateCommand, { Key: { PK: 'PRODUCT#p1', SK: 'PRODUCT' } })
      .rejects(new ConditionalCheckFailedException({ message: 'gone', $metadata: {} }));
    await applyBanToBidding(doc, 'Main', 'c1', 'u2', true);
    expect(writes()).toEqual(['ADD PRODUCT#p1', 'ADD PRODUCT#p2']);

    ddb.on(UpdateCommand, { Key: { PK: 'PRODUCT#p2', SK: 'PRODUCT' } }).rejects(new Error('throttled'));
    ddb.on(QueryCommand).resolves({ Items: [{ PK: 'PRODUCT#p2', SK: 'PRODUCT' }] });
    await expect(applyBanToBidding(doc, 'Main', 'c1', 'u2', true)).rejects.toThrow('throttled');
  });
});
