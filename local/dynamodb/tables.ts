/**
 * Creates the tables of lib/data/tables.ts in DynamoDB Local (same keys, GSIs, TTL setting and
 * stream). Idempotent: an existing table is left alone. DynamoDB Local accepts the TTL setting
 * but never expires items.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type TableDefinition } from '../../lib/data/tables';

function attributeDefinitions(table: TableDefinition): AttributeDefinition[] {
  const seen = new Map<string, 'S' | 'N'>();
  const add = (a: { name: string; type: 'S' | 'N' }): void => {
    seen.set(a.name, a.type);
  };
  add(table.partitionKey);
  if (table.sortKey) add(table.sortKey);
  for (const index of table.globalSecondaryIndexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return [...seen].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

async function exists(client: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw err;
  }
}

/**
 * Creates every table whose logical id is a key of `names` (value = physical name), e.g.
 * `{ Main: 'test-main', Idempotency: 'test-idem' }`.
 */
export async function createTables(client: DynamoDBClient, names: Record<string, string>): Promise<void> {
  for (const table of TABLES) {
    const name = names[table.id];
    if (!name || (await exists(client, name))) continue;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: attributeDefinitions(table),
          KeySchema: [
            { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
            ...(table.sortKey ? [{ AttributeName: table.sortKey.name, KeyType: 'RANGE' as const }] : []),
          ],
          GlobalSecondaryIndexes: table.globalSecondaryIndexes.length
            ? table.globalSecondaryIndexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: [
                  { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
                  { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
                ],
                Projection: { ProjectionType: 'ALL' as const },
              }))
            : undefined,
          StreamSpecification: table.stream ? { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } : undefined,
        }),
      );
    } catch (err) {
      // Two callers racing to create the same table: the loser's table exists, which is the goal.
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    if (table.timeToLiveAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  }
}
