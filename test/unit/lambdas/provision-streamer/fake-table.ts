/**
 * A small in-memory stand-in for the Main table behind a mocked DynamoDBDocumentClient: enough
 * Get/Put/Transact/Update semantics (attribute_not_exists conditions) for handler unit tests that
 * need state across calls, such as a retried provisioning run.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStub = AwsStub<any, any, any>;

export type Item = Record<string, unknown>;

export function fakeTable(mock: AnyStub) {
  const items = new Map<string, Item>();
  const k = (key: Item) => `${String(key.PK)}|${String(key.SK)}`;
  const conditionHolds = (cond: string | undefined, existing: Item | undefined, values: Item | undefined) => {
    if (!cond) return true;
    if (cond === 'attribute_not_exists(PK)') return !existing;
    if (cond === 'attribute_not_exists(PK) OR userId = :u') return !existing || existing.userId === values?.[':u'];
    if (cond === 'attribute_exists(PK)') return !!existing;
    throw new Error(`fake table: unsupported condition ${cond}`);
  };
  mock
    .on(GetCommand).callsFake((input: { Key: Item }) => ({ Item: items.get(k(input.Key)) }))
    .on(PutCommand).callsFake((input: { Item: Item; ConditionExpression?: string; ExpressionAttributeValues?: Item }) => {
      if (!conditionHolds(input.ConditionExpression, items.get(k(input.Item)), input.ExpressionAttributeValues)) {
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      }
      items.set(k(input.Item), structuredClone(input.Item));
      return {};
    })
    .on(TransactWriteCommand).callsFake((input: { TransactItems: { Put?: { Item: Item; ConditionExpression?: string } }[] }) => {
      const puts = input.TransactItems.map((t) => t.Put!).filter(Boolean);
      if (puts.some((p) => !conditionHolds(p.ConditionExpression, items.get(k(p.Item)), undefined))) {
        throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} });
      }
      for (const p of puts) items.set(k(p.Item), structuredClone(p.Item));
      return {};
    })
    .on(UpdateCommand).callsFake((input: { Key: Item; ExpressionAttributeValues?: Item }) => {
      const existing = items.get(k(input.Key)) ?? { ...input.Key };
      items.set(k(input.Key), { ...existing, updatedByFake: input.ExpressionAttributeValues });
      return {};
    });
  return {
    items,
    get: (PK: string, SK: string) => items.get(`${PK}|${SK}`),
    put: (item: Item) => items.set(k(item), item),
  };
}
