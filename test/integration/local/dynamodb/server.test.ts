import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTables } from '../../../../local/dynamodb/tables';
import { useDynamoDbLocal } from '../../../support/dynamo';

const db = useDynamoDbLocal();

describe('DynamoDB Local runner', () => {
  it('listens on 127.0.0.1 and creates the Main table with GSIs, TTL and stream', async () => {
    expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: db.tableName }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['GSI1', 'GSI2', 'GSI3']);
    expect(Table?.StreamSpecification).toMatchObject({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const ttl = await db.client.send(new DescribeTimeToLiveCommand({ TableName: db.tableName }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
  });

  it('createTables is idempotent', async () => {
    await createTables(db.client, { Main: db.tableName, Idempotency: db.idempotencyTableName });
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: db.idempotencyTableName }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
  });
});
