/**
 * A small in-memory stand-in for the Main table behind a mocked DynamoDBDocumentClient: enough
 * Get/Put/Transact/Update semantics (the conditions and update expressions these handlers use) for handler unit tests that
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
  const conditionHolds = (
    cond: string | undefined,
    existing: Item | undefined,
    values: Item | undefined,
    names: Record<string, string> = {},
  ) => {
    if (!cond) return true;
    const attr = (n: string) => existing?.[names[n] ?? n];
    if (cond === 'attribute_not_exists(PK)') return !existing;
    if (cond === 'attribute_not_exists(PK) OR userId = :u') return !existing || existing.userId === values?.[':u'];
    if (cond === 'attribute_not_exists(PK) OR handle = :h') return !existing || existing.handle === values?.[':h'];
    if (cond === 'attribute_exists(PK)') return !!existing;
    if (cond === 'leaseId = :l') return !!existing && existing.leaseId === values?.[':l'];
    if (
      cond ===
      'attribute_not_exists(PK) OR attribute_not_exists(#status) OR #status = :failed OR (#status = :p AND leaseUntil <= :now)'
    ) {
      return (
        !existing ||
        attr('#status') === undefined ||
        attr('#status') === values?.[':failed'] ||
        (attr('#status') === values?.[':p'] && Number(existing.leaseUntil) <= Number(values?.[':now']))
      );
    }
    throw new Error(`fake table: unsupported condition ${cond}`);
  };
  const fail = () => {
    throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  };
  /** `SET a = :x, #b = :y, n = if_not_exists(n, :zero) + :one REMOVE c, #d`: enough for the handlers under test. */
  const applyUpdate = (item: Item, expression: string, names: Record<string, string>, values: Item) => {
    const [setPart, removePart] = expression.split(' REMOVE ');
    const name = (n: string) => names[n] ?? n;
    for (const m of (setPart ?? '')
      .replace(/^SET /, '')
      .matchAll(/(#?\w+) = (if_not_exists\((#?\w+), (:\w+)\) \+ (:\w+)|:\w+)/g)) {
      const [, target, rhs, ifAttr, ifDefault, plus] = m as unknown as [
        string,
        string,
        string,
        string?,
        string?,
        string?,
      ];
      item[name(target)] = ifAttr
        ? Number(item[name(ifAttr)] ?? values[ifDefault!]) + Number(values[plus!])
        : values[rhs];
    }
    for (const n of (removePart ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean))
      delete item[name(n)];
  };
  mock
    .on(GetCommand)
    .callsFake((input: { Key: Item }) => ({ Item: items.get(k(input.Key)) }))
    .on(PutCommand)
    .callsFake((input: { Item: Item; ConditionExpression?: string; ExpressionAttributeValues?: Item }) => {
      if (!conditionHolds(input.ConditionExpression, items.get(k(input.Item)), input.ExpressionAttributeValues)) fail();
      items.set(k(input.Item), structuredClone(input.Item));
      return {};
    })
    .on(TransactWriteCommand)
    .callsFake(
      (input: {
        TransactItems: { Put?: { Item: Item; ConditionExpression?: string; ExpressionAttributeValues?: Item } }[];
      }) => {
        const puts = input.TransactItems.map((t) => t.Put!).filter(Boolean);
        if (
          puts.some((p) => !conditionHolds(p.ConditionExpression, items.get(k(p.Item)), p.ExpressionAttributeValues))
        ) {
          throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} });
        }
        for (const p of puts) items.set(k(p.Item), structuredClone(p.Item));
        return {};
      },
    )
    .on(UpdateCommand)
    .callsFake(
      (input: {
        Key: Item;
        UpdateExpression: string;
        ConditionExpression?: string;
        ExpressionAttributeNames?: Record<string, string>;
        ExpressionAttributeValues?: Item;
      }) => {
        const existing = items.get(k(input.Key));
        if (
          !conditionHolds(
            input.ConditionExpression,
            existing,
            input.ExpressionAttributeValues,
            input.ExpressionAttributeNames,
          )
        )
          fail();
        const next = structuredClone(existing ?? { ...input.Key });
        applyUpdate(
          next,
          input.UpdateExpression,
          input.ExpressionAttributeNames ?? {},
          input.ExpressionAttributeValues ?? {},
        );
        items.set(k(input.Key), next);
        return {};
      },
    );
  return {
    items,
    get: (PK: string, SK: string) => items.get(`${PK}|${SK}`),
    put: (item: Item) => items.set(k(item), item),
  };
}
