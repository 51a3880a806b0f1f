/**
 * The local table-stream poller hands handlers records shaped like Lambda's event JSON, so the
 * stream Lambdas' `unmarshall` works on every image (an empty map included: the Streams SDK
 * client alone turns `{ M: {} }` into `{}`, which broke sale-markers on every sale batch).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../local/dynamodb/server';
import { lambdaImage, startStreamPoller } from '../../../../local/streams/poller';
import { useDynamoDbLocal } from '../../../support/dynamo';

const db = useDynamoDbLocal();

describe('local table-stream poller', () => {
  it('delivers images that unmarshall, empty maps and lists included', async () => {
    const batches: DynamoDBRecord[][] = [];
    const poller = await startStreamPoller({
      dynamo: db.client, endpoint: db.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, table: db.tableName, intervalMs: 50,
      onBatch: async (event) => {
        batches.push(event.Records as DynamoDBRecord[]);
      },
    });
    try {
      const item = { PK: 'POLL#1', SK: 'X', empty: {}, nested: { inner: {}, list: [{}, 1] }, none: [], n: 1 };
      await db.doc.send(new PutCommand({ TableName: db.tableName, Item: item }));
      await expect.poll(() => batches.flat().length, { timeout: 20_000 }).toBeGreaterThan(0);
      const record = batches.flat().find((r) => (r.dynamodb?.Keys?.PK as { S?: string } | undefined)?.S === 'POLL#1');
      expect(record?.eventName).toBe('INSERT');
      expect(unmarshall(record?.dynamodb?.NewImage as never)).toEqual(item);
    } finally {
      await poller.stop();
    }
  });

  it('lambdaImage only rewrites the empty-map shape', () => {
    expect(lambdaImage({ a: {}, b: { L: [{}, { S: 'x' }] }, c: { M: { d: {} } }, e: { NULL: true } })).toEqual({
      a: { M: {} }, b: { L: [{ M: {} }, { S: 'x' }] }, c: { M: { d: { M: {} } } }, e: { NULL: true },
    });
    expect(lambdaImage(undefined)).toBeUndefined();
  });
});
