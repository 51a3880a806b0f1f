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
import { startDynamoDbProxy, type DynamoDbProxy } from '../../local/iam/dynamodb-proxy';
import { createLocalIam, type LocalIam } from '../../local/iam/index';

export interface DynamoDbLocalContext {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  idempotencyTableName: string;
  endpoint: string;
  /**
   * With `{ iam: true }`: the endpoint the Lambdas under test use (AWS_ENDPOINT_URL_DYNAMODB), a proxy
   * that evaluates each call against the calling function's role from the synthesized template
   * (run handlers inside `runAs(<function>)`); otherwise the same as `endpoint`.
   */
  lambdaEndpoint: string;
  /** With `{ iam: true }`: the evaluator (its `denials` must stay empty). */
  iam?: LocalIam;
}

/** Starts DynamoDB Local and creates the tables for the current test file. */
export function useDynamoDbLocal(opts: { iam?: boolean } = {}): DynamoDbLocalContext {
  const ctx = {} as DynamoDbLocalContext;
  let server: DynamoDbLocal | undefined;
  let proxy: DynamoDbProxy | undefined;
  beforeAll(async () => {
    server = await startDynamoDbLocal({ port: 0 });
    const suffix = randomUUID().slice(0, 8);
    ctx.endpoint = server.endpoint;
    ctx.tableName = `test-main-${suffix}`;
    ctx.idempotencyTableName = `test-idempotency-${suffix}`;
    ctx.client = new DynamoDBClient({
      endpoint: server.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    ctx.doc = DynamoDBDocumentClient.from(ctx.client, { marshallOptions: { removeUndefinedValues: true } });
    await createTables(ctx.client, { Main: ctx.tableName, Idempotency: ctx.idempotencyTableName });
    ctx.lambdaEndpoint = ctx.endpoint;
    if (opts.iam) {
      const tables: Record<string, string> = {
        'local-Main': ctx.tableName,
        'local-Idempotency': ctx.idempotencyTableName,
      };
      ctx.iam = createLocalIam({
        region: LOCAL_REGION,
        account: '000000000000',
        override: (_id, _type, attribute, derived) => (attribute ? undefined : tables[derived ?? '']),
      });
      proxy = await startDynamoDbProxy({
        target: ctx.endpoint,
        authorizer: ctx.iam.authorizer,
        scope: { region: LOCAL_REGION, account: '000000000000' },
      });
      ctx.lambdaEndpoint = proxy.endpoint;
    }
  }, 180_000);
  afterAll(async () => {
    ctx.client?.destroy();
    await proxy?.stop();
    await server?.stop();
  });
  return ctx;
}
