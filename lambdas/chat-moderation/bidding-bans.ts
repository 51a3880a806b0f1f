/**
 * A chat ban also stops the user bidding on the channel's products. placeBid's single conditional
 * write refuses bidders in the product's `bannedBidders` string set (it reads nothing else), so a
 * ban or unban is written onto every product of the channel that can still take bids or be
 * started (DRAFT, AUCTION_OPEN; GSI1 `CHANNEL#<c>#PRODUCTS`). startAuction copies the bans present
 * when it starts, so a product created after this pass is covered too.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { banKey, channelProductsPk } from '../shared/domain/keys';

/** Passes before giving up on a ban that keeps changing under us (the request that changed it converges it). */
const MAX_PASSES = 3;

async function writeOntoProducts(
  ddb: DynamoDBDocumentClient,
  table: string,
  channelId: string,
  userId: string,
  banned: boolean,
): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        FilterExpression: '#status IN (:draft, :open)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': channelProductsPk(channelId), ':draft': 'DRAFT', ':open': 'AUCTION_OPEN' },
        ProjectionExpression: 'PK, SK',
        ExclusiveStartKey: start,
      }),
    );
    for (const p of page.Items ?? []) {
      await ddb
        .send(
          new UpdateCommand({
            TableName: table,
            Key: { PK: p.PK, SK: p.SK },
            UpdateExpression: banned ? 'ADD bannedBidders :u' : 'DELETE bannedBidders :u',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':u': new Set([userId]) },
          }),
        )
        .catch((err: unknown) => {
          // Deleted since the query: nothing to bid on.
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        });
    }
    start = page.LastEvaluatedKey;
  } while (start);
}

/**
 * Writes the user's ban state onto the channel's open and draft products, after the `BAN#` item
 * was written or deleted. A ban and an unban of the same user sent at the same moment (two
 * moderators) could interleave their product writes, so after each pass the ban item is read
 * again (consistently) and, if it no longer says `banned`, its current state is written instead:
 * the request whose check comes last writes after every earlier item change, so products end as
 * the ban item says.
 */
export async function applyBanToBidding(
  ddb: DynamoDBDocumentClient,
  table: string,
  channelId: string,
  userId: string,
  banned: boolean,
): Promise<void> {
  let want = banned;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    await writeOntoProducts(ddb, table, channelId, userId, want);
    const { Item } = await ddb.send(
      new GetCommand({ TableName: table, Key: banKey(channelId, userId), ConsistentRead: true }),
    );
    if (Boolean(Item) === want) return;
    want = Boolean(Item);
  }
}
