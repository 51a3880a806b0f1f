/**
 * Test-only writers for what other parts of the platform own, shaped exactly as they write it
 * (ECON-CONTRACT.md): a coin purchase (wt/stripe's webhook credits it this way: wallet ADD + PURCHASE
 * ledger entry in one transaction), a refund clawback (never below zero: the shortfall becomes
 * debt), and a live channel (the stream-state function's profile fields). There is deliberately no
 * public mutation that credits coins.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ledgerKey, profileKey, walletKey } from '../../../lambdas/shared/domain/keys';

/** Credits `coins` to `userId` as one paid purchase. */
export async function seedPurchase(
  doc: DynamoDBDocumentClient,
  table: string,
  userId: string,
  coins: number,
  amountMinor = coins,
): Promise<void> {
  const now = new Date().toISOString();
  const txId = `cs_test_${randomUUID()}`;
  await doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: walletKey(userId),
            UpdateExpression:
              'SET coins = if_not_exists(coins, :zero) + :coins, debt = if_not_exists(debt, :zero), version = if_not_exists(version, :zero) + :one, updatedAt = :now',
            ExpressionAttributeValues: { ':coins': coins, ':zero': 0, ':one': 1, ':now': now },
          },
        },
        {
          Put: {
            TableName: table,
            Item: {
              ...ledgerKey(userId, now, txId),
              type: 'LedgerEntry',
              kind: 'PURCHASE',
              coins,
              amount: amountMinor,
              currency: 'USD',
              txId,
              createdAt: now,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      ],
    }),
  );
}

/**
 * Claws back a refunded pack of `coins`: the wallet loses what it holds of them, the rest is debt;
 * the REFUND entry carries the whole pack (minus). Optimistic on the wallet's version, as a webhook would.
 */
export async function seedRefund(
  doc: DynamoDBDocumentClient,
  table: string,
  userId: string,
  coins: number,
  wallet: { coins: number; debt: number; version: number },
): Promise<void> {
  const now = new Date().toISOString();
  const txId = `re_test_${randomUUID()}`;
  const taken = Math.min(wallet.coins, coins);
  await doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: walletKey(userId),
            UpdateExpression:
              'SET coins = coins - :taken, debt = if_not_exists(debt, :zero) + :owed, version = version + :one, updatedAt = :now',
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: {
              ':taken': taken,
              ':owed': coins - taken,
              ':zero': 0,
              ':one': 1,
              ':now': now,
              ':version': wallet.version,
            },
          },
        },
        {
          Put: {
            TableName: table,
            Item: {
              ...ledgerKey(userId, now, txId),
              type: 'LedgerEntry',
              kind: 'REFUND',
              coins: -coins,
              debtCoins: coins - taken,
              currency: 'USD',
              txId,
              createdAt: now,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      ],
    }),
  );
}

/** A channel's profile, live on `streamId` (or offline). */
export async function seedChannel(
  doc: DynamoDBDocumentClient,
  table: string,
  channelId: string,
  handle: string,
  streamId: string | null,
): Promise<void> {
  await doc.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...profileKey(channelId),
        type: 'Profile',
        userId: channelId,
        handle,
        status: streamId ? 'LIVE' : 'OFFLINE',
        ...(streamId ? { currentStreamId: streamId } : {}),
      },
    }),
  );
}

/** A user's account item (setBroadcasterTier looks the target up there), with its handle claim. */
export async function seedAccount(
  doc: DynamoDBDocumentClient,
  table: string,
  userId: string,
  handle: string,
): Promise<void> {
  await doc.send(
    new PutCommand({
      TableName: table,
      Item: { PK: `USER#${userId}`, SK: 'ACCOUNT', type: 'Account', userId, handle },
    }),
  );
  await doc.send(
    new PutCommand({
      TableName: table,
      Item: { PK: `HANDLE#${handle.toLowerCase()}`, SK: 'HANDLE', type: 'Handle', userId, handle },
    }),
  );
}
