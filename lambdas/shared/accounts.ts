/**
 * The platform-owned account item (`USER#<sub>`/`ACCOUNT`) and the handle claim
 * (`HANDLE#<lowercased>`/`HANDLE`), written together so a user holds at most one handle and a
 * handle at most one user. The handle the platform shows on bids, sales, chat and schedules is this
 * item's, never the user-writable `preferred_username` attribute.
 */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from './clients';
import { ENV, requireEnv } from './env';
import { DomainError } from './errors';
import { handleSchema } from './domain/handles';
import { accountKey, handleKey } from './domain/keys';

/** The account item as stored. */
export interface Account {
  userId: string;
  handle: string;
  createdAt: string;
}

/** Reads the caller's account (consistent read: a claim just made must be visible). */
export async function loadAccount(userId: string): Promise<Account | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: requireEnv(ENV.TABLE_NAME), Key: accountKey(userId), ConsistentRead: true }),
  );
  return Item as Account | undefined;
}

/**
 * Claims `requested` for `userId` (validated; a retry by the same user succeeds). Throws VALIDATION
 * for an invalid handle and CONFLICT when another user holds it or this user already holds another.
 */
export async function claimHandle(userId: string, requested: string): Promise<Account> {
  const parsed = handleSchema.safeParse(requested);
  if (!parsed.success) {
    throw new DomainError('VALIDATION', parsed.error.issues[0]?.message ?? 'Invalid handle', { field: 'handle' });
  }
  const handle = parsed.data;
  const table = requireEnv(ENV.TABLE_NAME);
  const createdAt = new Date().toISOString();
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { ...handleKey(handle), type: 'Handle', userId, handle, createdAt },
              ConditionExpression: 'attribute_not_exists(PK) OR userId = :u',
              ExpressionAttributeValues: { ':u': userId },
            },
          },
          {
            Put: {
              TableName: table,
              Item: { ...accountKey(userId), type: 'Account', userId, handle, createdAt },
              ConditionExpression: 'attribute_not_exists(PK) OR handle = :h',
              ExpressionAttributeValues: { ':h': handle },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'TransactionCanceledException') throw error;
    const existing = await loadAccount(userId);
    if (existing && existing.handle !== handle) {
      throw new DomainError('CONFLICT', `You already hold the handle ${existing.handle}.`, {
        field: 'handle',
        handle: existing.handle,
      });
    }
    throw new DomainError('CONFLICT', `The handle ${handle} is taken.`, { field: 'handle' });
  }
  return { userId, handle, createdAt };
}
