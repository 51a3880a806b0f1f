/**
 * The local table-stream poller hands handlers records shaped like Lambda's event JSON, so the
 * stream Lambdas' `unmarshall` works on every image (an empty map included: the Streams SDK
 * client alone turns `{ M: {} }` into `{}`, which broke sale-markers on every sale batch), and
 * honours partial batch responses like the event source mapping: a poisoned record is retried a
 * bounded number of times, then lands in the dead-letter directory, and the stream moves on.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { deadLetterSink, type DeadLetter } from '../../../../local/dead-letters/index';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../local/dynamodb/server';
import { lambdaImage, retryFrom, startStreamPoller, type StreamConsumer } from '../../../../local/streams/poller';
import { useDynamoDbLocal } from '../../../support/dynamo';

const db = useDynamoDbLocal();
const base = () => ({
  dynamo: db.client,
  endpoint: db.endpoint,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
  table: db.tableName,
  intervalMs: 50,
});
const pkOf = (r: DynamoDBRecord) => (r.dynamodb?.Keys?.PK as { S?: string } | undefined)?.S ?? '';
const put = (PK: string) => db.doc.send(new PutCommand({ TableName: db.tableName, Item: { PK, SK: 'X' } }));

/** A stream consumer written like ours (Powertools batch): its record handler throws for keys starting with `poison`. */
function powertoolsConsumer(name: string, seen: string[], attempts: Map<string, number>): StreamConsumer {
  return {
    name,
    handle: (event) =>
      processPartialResponse(
        event as DynamoDBStreamEvent,
        async (record: DynamoDBRecord) => {
          const pk = pkOf(record);
          attempts.set(pk, (attempts.get(pk) ?? 0) + 1);
          if (pk.startsWith(`${name}-poison`)) throw new Error(`cannot handle ${pk}`);
          seen.push(pk);
        },
        new BatchProcessor(EventType.DynamoDBStreams),
        { throwOnFullBatchFailure: false },
      ),
  };
}

describe('local table-stream poller', () => {
  it('delivers images that unmarshall, empty maps and lists included', async () => {
    const batches: DynamoDBRecord[][] = [];
    const poller = await startStreamPoller({
      ...base(),
      consumers: [
        {
          name: 'probe',
          handle: async (event) => {
            batches.push(event.Records as DynamoDBRecord[]);
          },
        },
      ],
    });
    try {
      const item = { PK: 'POLL#1', SK: 'X', empty: {}, nested: { inner: {}, list: [{}, 1] }, none: [], n: 1 };
      await db.doc.send(new PutCommand({ TableName: db.tableName, Item: item }));
      await expect.poll(() => batches.flat().length, { timeout: 20_000 }).toBeGreaterThan(0);
      const record = batches.flat().find((r) => pkOf(r) === 'POLL#1');
      expect(record?.eventName).toBe('INSERT');
      expect(unmarshall(record?.dynamodb?.NewImage as never)).toEqual(item);
    } finally {
      await poller.stop();
    }
  });

  it('a poisoned record: the others are processed, it is retried a bounded number of times, lands in the dead-letter directory, and later records still flow', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'dead-letters-'));
    const letters: DeadLetter[] = [];
    const seen: string[] = [];
    const attempts = new Map<string, number>();
    const calm: string[] = [];
    const poller = await startStreamPoller({
      ...base(),
      retryAttempts: 2,
      retryDelayMs: 20,
      deadLetters: deadLetterSink(dir, (letter) => letters.push(letter)),
      consumers: [
        powertoolsConsumer('hist', seen, attempts),
        // A second mapping on the same stream keeps its own position: the poison does not hold it back.
        {
          name: 'calm',
          handle: async (event) => {
            calm.push(...(event.Records as DynamoDBRecord[]).map(pkOf));
          },
        },
      ],
    });
    try {
      // Act
      for (const pk of ['hist-a', 'hist-b', 'hist-poison-1', 'hist-c', 'hist-d']) await put(pk);
      await expect.poll(() => letters.length, { timeout: 30_000 }).toBe(1);
      await put('hist-after');
      await expect.poll(() => seen.includes('hist-after'), { timeout: 20_000 }).toBe(true);
      // The second mapping reads the shard on its own schedule: it may get the last record a poll later.
      await expect.poll(() => calm.includes('hist-after'), { timeout: 20_000 }).toBe(true);
      // Assess
      expect([...new Set(seen)].sort()).toEqual(['hist-a', 'hist-after', 'hist-b', 'hist-c', 'hist-d']);
      expect(seen.at(-1)).toBe('hist-after');
      // Before the poison: once. After it: redelivered with each retry (Lambda retries from the lowest failed record), at least once.
      expect([attempts.get('hist-a'), attempts.get('hist-b')]).toEqual([1, 1]);
      expect(attempts.get('hist-c')).toBeGreaterThanOrEqual(1);
      expect(attempts.get('hist-c')).toBeLessThanOrEqual(4);
      // The first delivery and 2 retries, as the CDK mapping's retryAttempts bounds them; then never again.
      expect(attempts.get('hist-poison-1')).toBe(3);
      expect(attempts.get('hist-after')).toBe(1);
      expect(calm).toEqual(['hist-a', 'hist-b', 'hist-poison-1', 'hist-c', 'hist-d', 'hist-after']);
      const files = readdirSync(join(dir, 'hist'));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-\d+\.json$/);
      const letter = JSON.parse(readFileSync(join(dir, 'hist', files[0] as string), 'utf8')) as DeadLetter & {
        payload: DynamoDBRecord;
      };
      expect(letter).toMatchObject({
        consumer: 'hist',
        source: 'table-stream',
        attempts: 3,
        error: expect.stringContaining('batchItemFailures'),
      });
      expect(pkOf(letter.payload)).toBe('hist-poison-1');
      expect(letter.id).toBe(letter.payload.dynamodb?.SequenceNumber);
      expect(readdirSync(dir)).toEqual(['hist']);
    } finally {
      await poller.stop();
    }
  });

  it('a handler that throws for its whole batch: the batch is halved until the poisoned record stands alone, then dead-lettered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dead-letters-'));
    const letters: DeadLetter[] = [];
    const done: string[] = [];
    const poller = await startStreamPoller({
      ...base(),
      retryAttempts: 1,
      retryDelayMs: 20,
      deadLetters: deadLetterSink(dir, (letter) => letters.push(letter)),
      consumers: [
        {
          name: 'all-or-nothing',
          handle: async (event) => {
            const pks = (event.Records as DynamoDBRecord[]).map(pkOf);
            if (pks.some((pk) => pk.startsWith('bis-poison'))) throw new Error('one bad record fails them all');
            done.push(...pks);
          },
        },
      ],
    });
    try {
      const keys = ['bis-1', 'bis-2', 'bis-3', 'bis-poison', 'bis-4', 'bis-5'];
      for (const pk of keys) await put(pk);
      await expect.poll(() => letters.length, { timeout: 30_000 }).toBe(1);
      await expect.poll(() => done.length, { timeout: 20_000 }).toBe(5);
      expect(done).toEqual(keys.filter((k) => k !== 'bis-poison'));
      expect(letters[0]).toMatchObject({
        consumer: 'all-or-nothing',
        attempts: 2,
        error: 'one bad record fails them all',
      });
      expect(pkOf(letters[0]?.payload as DynamoDBRecord)).toBe('bis-poison');
    } finally {
      await poller.stop();
    }
  });

  it('retryFrom: the lowest reported record; an unknown or empty identifier fails the whole batch; none, all done', () => {
    const batch = ['1', '2', '3'].map((SequenceNumber) => ({ dynamodb: { SequenceNumber } }));
    expect(retryFrom(batch, undefined)).toBeUndefined();
    expect(retryFrom(batch, { batchItemFailures: [] })).toBeUndefined();
    expect(retryFrom(batch, { batchItemFailures: [{ itemIdentifier: '3' }, { itemIdentifier: '2' }] })).toBe(1);
    expect(retryFrom(batch, { batchItemFailures: [{ itemIdentifier: '' }] })).toBe(0);
    expect(retryFrom(batch, { batchItemFailures: [{ itemIdentifier: '9' }] })).toBe(0);
  });

  it('lambdaImage only rewrites the empty-map shape', () => {
    expect(lambdaImage({ a: {}, b: { L: [{}, { S: 'x' }] }, c: { M: { d: {} } }, e: { NULL: true } })).toEqual({
      a: { M: {} },
      b: { L: [{ M: {} }, { S: 'x' }] },
      c: { M: { d: { M: {} } } },
      e: { NULL: true },
    });
    expect(lambdaImage(undefined)).toBeUndefined();
  });
});
