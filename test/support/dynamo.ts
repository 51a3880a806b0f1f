/**
 * vitest helper: one DynamoDB Local per test file (free port, in memory) with the project's tables
 * under random names. Call at module level; the returned object is filled in `beforeAll` (which
 * runs before the file's own hooks) and the server stops in `afterAll`.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb/server';
import { createTables } from '../../local/dynamodb/tables';

export interface DynamoDbLocalContext {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  idempotencyTableName: string;
  endpoint: string;
}

/** Starts DynamoDB Local and creates the tables for the current test file. */
export function useDynamoDbLocal(): DynamoDbLocalContext {
  const ctx = {} as DynamoDbLocalContext;
  let server: DynamoDbLocal | undefined;
  beforeAll(async () => {
    server = await startDynamoDbLocal({ port: 0 });
    const suffix = randomUUID().slice(0, 8);
    ctx.endpoint = server.endpoint;
    ctx.tableName = `test-main-${suffix}`;
    ctx.idempotencyTableName = `test-idempotency-${suffix}`;
    ctx.client = new DynamoDBClient({ endpoint: server.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    ctx.doc = DynamoDBDocumentClient.from(ctx.client, { marshallOptions: { removeUndefinedValues: true } });
    await createTables(ctx.client, { Main: ctx.tableName, Idempotency: ctx.idempotencyTableName });
  }, 120_000);
  afterAll(async () => {
    ctx.client?.destroy();
    await server?.stop();
  });
  return ctx;
}
