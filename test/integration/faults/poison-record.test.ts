/**
 * A poisoned table-stream record: a sale no resolver writes (its `recordingId` longer than a
 * DynamoDB key may be, as a hand edit or a buggy migration could leave it, written without its
 * index keys) reaches the real sale-markers function, whose count of the sale on its recording
 * DynamoDB refuses every time. The sales around it, on the same recording and another one, are
 * counted; the poisoned record is retried a bounded number of times and then lands, whole, in
 * `<dataDir>/dead-letters/sale-markers/`, with a line in the platform's log; no other consumer
 * dead-letters anything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import type { LocalPlatform } from '../../../local/start';
import { STREAM_RETRY_ATTEMPTS } from '../../../lib/functions/delivery';
import { removeDataDir, startPlatform, until, SETUP_TIMEOUT_MS } from './support';

let platform: LocalPlatform;
let dataDir: string;
let log: string[];
let doc: DynamoDBDocumentClient;

/** A sale as a resolver writes it (docs/data-model.md), on `recordingId`, written straight to the table. */
const sale = (saleId: string, recordingId: string, indexed = true) =>
  doc.send(
    new PutCommand({
      TableName: 'local-Main',
      Item: {
        PK: `SALE#${saleId}`,
        SK: 'SALE',
        type: 'Sale',
        saleId,
        kind: 'BUY_NOW',
        productId: `prd_${saleId}`,
        productTitle: 'Lamp',
        channelId: 'shop',
        buyerId: 'buyer',
        buyerHandle: 'buyer',
        price: 1000,
        currency: 'USD',
        soldAt: new Date().toISOString(),
        recordingId,
        offsetMs: 0,
        ...(indexed ? { GSI2PK: `RECORDING#${recordingId}#SALES`, GSI2SK: '000000000000' } : {}),
      },
    }),
  );

/** The sales sale-markers counted on a recording. */
const salesCounted = async (recordingId: string): Promise<string[]> => {
  const item = (
    await doc.send(
      new GetCommand({ TableName: 'local-Main', Key: { PK: `RECORDING#${recordingId}`, SK: 'RECORDING' } }),
    )
  ).Item;
  return [...((item?.saleIds as Set<string> | undefined) ?? [])].sort();
};

/** The dead letters each consumer holds: file names under its folder. */
function deadLetters(): Record<string, string[]> {
  const dir = platform.deadLetterDir;
  let consumers: string[] = [];
  try {
    consumers = readdirSync(dir);
  } catch {
    return {};
  }
  return Object.fromEntries(consumers.map((c) => [c, readdirSync(join(dir, c))]));
}

beforeAll(async () => {
  ({ platform, dataDir, log } = await startPlatform());
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: platform.endpoints.dynamodbUrl,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  doc?.destroy();
  await platform?.stop();
  removeDataDir(dataDir);
});

describe('a poisoned table-stream record', () => {
  it('lets the records around it through and lands in the dead-letter directory after its retries', async () => {
    await sale('sal_good_a1', 'rec-a');
    // The poison: a recording id no DynamoDB key can hold (2,048 bytes at most).
    await sale('sal_poison', `rec-${'x'.repeat(2100)}`, false);
    const poisonedAt = Date.now();
    await sale('sal_good_a2', 'rec-a');
    await sale('sal_good_b1', 'rec-b');

    // The good records do not wait for the poisoned one's retries to run out.
    await until('the sale on the other recording', async () => (await salesCounted('rec-b')).length === 1, 30_000, 200);
    const letters = await until(
      'the dead letter',
      async () => (deadLetters()['sale-markers']?.length ? deadLetters() : undefined),
      60_000,
      500,
    );
    const deadLetteredAfter = Date.now() - poisonedAt;
    expect(await salesCounted('rec-a')).toEqual(['sal_good_a1', 'sal_good_a2']);
    expect(await salesCounted('rec-b')).toEqual(['sal_good_b1']);

    await platform.settled();
    expect(deadLetters()).toEqual({ 'sale-markers': letters['sale-markers'] });
    expect(letters['sale-markers']).toHaveLength(1);
    const letter = JSON.parse(
      readFileSync(join(platform.deadLetterDir, 'sale-markers', letters['sale-markers']?.[0] as string), 'utf8'),
    ) as {
      consumer: string;
      source: string;
      attempts: number;
      error: string;
      payload: { eventName: string; dynamodb: { NewImage: Record<string, never>; SequenceNumber: string } };
    };
    expect(letter).toMatchObject({
      consumer: 'sale-markers',
      source: 'table-stream',
      attempts: STREAM_RETRY_ATTEMPTS + 1,
    });
    expect(letter.error).toContain('batchItemFailures');
    expect(letter.payload.eventName).toBe('INSERT');
    expect(unmarshall(letter.payload.dynamodb.NewImage)).toMatchObject({ saleId: 'sal_poison', type: 'Sale' });
    expect(
      log.some((l) =>
        l.startsWith(
          `Dead letter: sale-markers failed table-stream ${letter.payload.dynamodb.SequenceNumber} ${STREAM_RETRY_ATTEMPTS + 1} times`,
        ),
      ),
    ).toBe(true);
    console.info(`poisoned record dead-lettered ${(deadLetteredAfter / 1000).toFixed(1)} s after it was written`);
  }, 120_000);
});
