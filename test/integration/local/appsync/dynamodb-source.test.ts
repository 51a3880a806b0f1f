import { describe, expect, it } from 'vitest';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createDynamoDbSource } from '../../../../local/appsync/dynamodb-source';
import { useDynamoDbLocal } from '../../../support/dynamo';

const db = useDynamoDbLocal();
const m = (o: Record<string, unknown>) => marshall(o, { removeUndefinedValues: true });

describe('local DynamoDB data source', () => {
  it('PutItem / GetItem / UpdateItem / DeleteItem with conditions and AppSync error types', async () => {
    const ds = createDynamoDbSource(db.client, db.tableName);
    const key = m({ PK: 'T#1', SK: 'X' });
    expect(
      await ds.execute({
        operation: 'PutItem',
        key,
        attributeValues: m({ n: 1 }),
        condition: { expression: 'attribute_not_exists(PK)' },
      }),
    ).toEqual({ result: { PK: 'T#1', SK: 'X', n: 1 }, error: null });
    const dup = await ds.execute({
      operation: 'PutItem',
      key,
      attributeValues: m({ n: 2 }),
      condition: { expression: 'attribute_not_exists(PK)' },
    });
    expect(dup.error).toEqual({
      type: 'DynamoDB:ConditionalCheckFailedException',
      message: 'The conditional request failed',
    });
    expect(dup.result).toEqual({ PK: 'T#1', SK: 'X', n: 1 });
    const upd = await ds.execute({
      operation: 'UpdateItem',
      key,
      update: { expression: 'SET n = n + :one', expressionValues: m({ ':one': 1 }) },
      condition: { expression: 'n = :v', expressionValues: m({ ':v': 1 }) },
    });
    expect(upd.result).toEqual({ PK: 'T#1', SK: 'X', n: 2 });
    expect((await ds.execute({ operation: 'GetItem', key })).result).toEqual({ PK: 'T#1', SK: 'X', n: 2 });
    expect((await ds.execute({ operation: 'DeleteItem', key })).result).toEqual({ PK: 'T#1', SK: 'X', n: 2 });
    expect((await ds.execute({ operation: 'GetItem', key })).result).toBeNull();
  });

  it('a failed condition hands the current item to the response handler, as AppSync does; equal PutItem and missing DeleteItem succeed', async () => {
    const ds = createDynamoDbSource(db.client, db.tableName);
    const key = m({ PK: 'C#1', SK: 'X' });
    await ds.execute({ operation: 'PutItem', key, attributeValues: m({ n: 5, v: 1 }) });
    const refused = await ds.execute({
      operation: 'UpdateItem',
      key,
      update: { expression: 'SET n = :n', expressionValues: m({ ':n': 1 }) },
      condition: { expression: 'n < :n', expressionValues: m({ ':n': 1 }) },
    });
    expect(refused).toEqual({
      error: { type: 'DynamoDB:ConditionalCheckFailedException', message: 'The conditional request failed' },
      result: { PK: 'C#1', SK: 'X', n: 5, v: 1 },
    });
    const missing = await ds.execute({
      operation: 'UpdateItem',
      key: m({ PK: 'C#none', SK: 'X' }),
      update: { expression: 'SET n = :n', expressionValues: m({ ':n': 1 }) },
      condition: { expression: 'attribute_exists(PK)' },
    });
    expect(missing).toMatchObject({ error: { type: 'DynamoDB:ConditionalCheckFailedException' }, result: null });
    // PutItem: the stored item already is the desired one (ignoring `v`) → success with the stored item.
    const same = await ds.execute({
      operation: 'PutItem',
      key,
      attributeValues: m({ n: 5, v: 2 }),
      condition: { expression: 'attribute_not_exists(PK)', equalsIgnore: ['v'] },
    });
    expect(same).toEqual({ error: null, result: { PK: 'C#1', SK: 'X', n: 5, v: 1 } });
    const differs = await ds.execute({
      operation: 'PutItem',
      key,
      attributeValues: m({ n: 6, v: 1 }),
      condition: { expression: 'attribute_not_exists(PK)' },
    });
    expect(differs).toMatchObject({ error: { type: 'DynamoDB:ConditionalCheckFailedException' }, result: { n: 5 } });
    // DeleteItem: nothing there → success; something there → refused with it.
    expect(
      await ds.execute({
        operation: 'DeleteItem',
        key: m({ PK: 'C#none', SK: 'X' }),
        condition: { expression: 'n = :n', expressionValues: m({ ':n': 1 }) },
      }),
    ).toEqual({ error: null, result: null });
    expect(
      await ds.execute({
        operation: 'DeleteItem',
        key,
        condition: { expression: 'n = :n', expressionValues: m({ ':n': 1 }) },
      }),
    ).toMatchObject({ error: { type: 'DynamoDB:ConditionalCheckFailedException' }, result: { n: 5 } });
    await expect(
      ds.execute({
        operation: 'PutItem',
        key,
        attributeValues: m({ n: 7 }),
        condition: {
          expression: 'attribute_not_exists(PK)',
          conditionalCheckFailedHandler: {
            strategy: 'Custom',
            lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:x',
          },
        },
      }),
    ).rejects.toThrow('does not implement conditionalCheckFailedHandler strategy Custom');
  });

  it('Query pages with nextToken, index and order; Batch and Transact operations', async () => {
    const ds = createDynamoDbSource(db.client, db.tableName);
    const items = [1, 2, 3].map((i) => m({ PK: 'Q', SK: `I#${i}`, GSI1PK: 'G', GSI1SK: `${i}` }));
    const put = await ds.execute({ operation: 'BatchPutItem', tables: { [db.tableName]: items } });
    expect(put.error).toBeNull();
    const page1 = (
      await ds.execute({
        operation: 'Query',
        index: 'GSI1',
        query: { expression: 'GSI1PK = :g', expressionValues: m({ ':g': 'G' }) },
        scanIndexForward: false,
        limit: 2,
      })
    ).result as { items: { SK: string }[]; nextToken: string };
    expect(page1.items.map((i) => i.SK)).toEqual(['I#3', 'I#2']);
    const page2 = (
      await ds.execute({
        operation: 'Query',
        index: 'GSI1',
        query: { expression: 'GSI1PK = :g', expressionValues: m({ ':g': 'G' }) },
        scanIndexForward: false,
        limit: 2,
        nextToken: page1.nextToken,
      })
    ).result as { items: { SK: string }[] };
    expect(page2.items.map((i) => i.SK)).toEqual(['I#1']);
    const got = (
      await ds.execute({
        operation: 'BatchGetItem',
        tables: { [db.tableName]: { keys: [m({ PK: 'Q', SK: 'I#2' }), m({ PK: 'Q', SK: 'nope' })] } },
      })
    ).result as { data: Record<string, unknown[]> };
    expect(got.data[db.tableName]).toEqual([expect.objectContaining({ SK: 'I#2' }), null]);
    const tx = await ds.execute({
      operation: 'TransactWriteItems',
      transactItems: [
        {
          table: db.tableName,
          operation: 'ConditionCheck',
          key: m({ PK: 'Q', SK: 'I#1' }),
          condition: { expression: 'attribute_not_exists(PK)' },
        },
        { table: db.tableName, operation: 'PutItem', key: m({ PK: 'Q', SK: 'I#9' }), attributeValues: m({}) },
      ],
    });
    expect(tx.error?.type).toBe('DynamoDB:TransactionCanceledException');
    expect((tx.result as { cancellationReasons: { type: string }[] }).cancellationReasons.map((r) => r.type)).toEqual([
      'ConditionalCheckFailed',
      'None',
    ]);
    const tget = (
      await ds.execute({
        operation: 'TransactGetItems',
        transactItems: [{ table: db.tableName, key: m({ PK: 'Q', SK: 'I#9' }) }],
      })
    ).result as { items: unknown[] };
    expect(tget.items).toEqual([null]);
    expect(
      (await ds.execute({ operation: 'BatchDeleteItem', tables: { [db.tableName]: [m({ PK: 'Q', SK: 'I#1' })] } }))
        .error,
    ).toBeNull();
    await expect(ds.execute({ operation: 'Frobnicate' })).rejects.toThrow('does not implement operation Frobnicate');
  });

  it("DynamoDB Local's lock wait timeout (a 500 DynamoDB never sends) is sent again, and a transaction still locked out is answered as contention", async () => {
    const lockedOut = () =>
      Object.assign(
        new Error(
          'This action timed out because it too long waiting for a lock. This request will succeed in actual DynamoDB API',
        ),
        {
          name: 'InternalServerError',
          $metadata: { httpStatusCode: 500 },
        },
      );
    const sent: string[] = [];
    let failuresLeft = 2;
    const flaky = {
      send: async (cmd: { constructor: { name: string } }) => {
        sent.push(cmd.constructor.name);
        if (failuresLeft-- > 0) throw lockedOut();
        return db.client.send(cmd as never);
      },
    } as unknown as typeof db.client;
    const key = m({ PK: 'L#1', SK: 'X' });
    expect(
      await createDynamoDbSource(flaky, db.tableName).execute({
        operation: 'PutItem',
        key,
        attributeValues: m({ n: 1 }),
      }),
    ).toEqual({ error: null, result: { PK: 'L#1', SK: 'X', n: 1 } });
    expect(sent).toEqual(['PutItemCommand', 'PutItemCommand', 'PutItemCommand']);

    const locked = {
      send: async () => {
        throw lockedOut();
      },
    } as unknown as typeof db.client;
    const write = {
      table: db.tableName,
      operation: 'UpdateItem',
      key,
      update: { expression: 'SET n = :n', expressionValues: m({ ':n': 2 }) },
    };
    const cancelled = await createDynamoDbSource(locked, db.tableName).execute({
      operation: 'TransactWriteItems',
      transactItems: [write, { ...write, key: m({ PK: 'L#2', SK: 'X' }) }],
    });
    expect(cancelled).toEqual({
      error: {
        type: 'DynamoDB:TransactionCanceledException',
        message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
      },
      result: {
        keys: null,
        cancellationReasons: [1, 2].map(() => ({
          type: 'TransactionConflict',
          message: 'Transaction is ongoing for the item',
          item: undefined,
        })),
      },
    });
    const read = await createDynamoDbSource(locked, db.tableName).execute({ operation: 'GetItem', key });
    expect(read.error?.type).toBe('DynamoDB:InternalServerError');
  });
});
