import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ChannelNotBroadcasting, IvsClient, PutMetadataCommand, ThrottlingException } from '@aws-sdk/client-ivs';
import { ListObjectsV2Command, PutObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'Main';
  process.env.JOBS_BUS_NAME = 'lvs-test-jobs';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const { handler, resetLimiters } = await import('../../../../lambdas/sale-markers/handler');
const { parseCuePayload, MAX_METADATA_BYTES } = await import('../../../../lambdas/shared/domain/markers');

const ddb = mockClient(DynamoDBDocumentClient);
const ivs = mockClient(IvsClient);
const s3 = mockClient(S3Client);
const events = mockClient(EventBridgeClient);
const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';

let seq = 100;
function record(
  eventName: 'INSERT' | 'MODIFY',
  next: Record<string, unknown>,
  old?: Record<string, unknown>,
): DynamoDBRecord {
  seq++;
  return {
    eventID: `ev-${seq}`,
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      SequenceNumber: String(seq),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      Keys: marshall({ PK: next.PK, SK: next.SK }) as never,
      NewImage: marshall(next, { removeUndefinedValues: true }) as never,
      OldImage: old ? (marshall(old, { removeUndefinedValues: true }) as never) : undefined,
    },
  };
}

function sale(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const saleId = `sal_${String(i).padStart(20, '0')}`;
  return {
    PK: `SALE#${saleId}`,
    SK: 'SALE',
    type: 'Sale',
    saleId,
    productId: `prd_${String(i).padStart(20, '0')}`,
    channelId: 'user-1',
    price: 1500 + i,
    currency: 'EUR',
    soldAt: '2026-01-01T10:00:00.000Z',
    ...extra,
  };
}

const batch = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

beforeEach(() => {
  ddb.reset();
  ivs.reset();
  s3.reset();
  resetLimiters();
  ddb.on(GetCommand, { Key: { PK: 'USER#user-1', SK: 'PROFILE' } }).resolves({ Item: { channelArn: CHANNEL_ARN } });
  ddb.on(UpdateCommand).resolves({});
  ivs.on(PutMetadataCommand).resolves({});
});

afterEach(() => {
  vi.useRealTimers();
});

describe('sale-markers: cues', () => {
  it('a burst of 50 sales in one second: at most 5 PutMetadata calls per second, every sale in some payload', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    const callTimes: number[] = [];
    const seen: string[] = [];
    ivs.on(PutMetadataCommand).callsFake((input: { metadata: string; channelArn: string }) => {
      callTimes.push(Date.now());
      expect(input.channelArn).toBe(CHANNEL_ARN);
      expect(Buffer.byteLength(input.metadata)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
      for (const cue of parseCuePayload(input.metadata)) seen.push(String(cue.saleId));
      return {};
    });
    const sales = Array.from({ length: 50 }, (_, i) => record('INSERT', sale(i)));

    const pending = handler(batch(...sales));
    await vi.runAllTimersAsync();
    const result = await pending;

    expect(result.batchItemFailures).toEqual([]);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `sal_${String(i).padStart(20, '0')}`));
    for (const t of callTimes) expect(callTimes.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(5);
    expect(callTimes.length).toBeLessThan(50);
  });

  it('keeps the limit across back-to-back invocations of the same container', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    const callTimes: number[] = [];
    ivs.on(PutMetadataCommand).callsFake(() => {
      callTimes.push(Date.now());
      return {};
    });
    for (let i = 0; i < 8; i++) {
      const pending = handler(batch(record('INSERT', sale(i))));
      await vi.runAllTimersAsync();
      await pending;
    }
    expect(callTimes).toHaveLength(8);
    for (const t of callTimes) expect(callTimes.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(5);
  });

  it('retries ThrottlingException with backoff', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    ivs
      .on(PutMetadataCommand)
      .rejectsOnce(new ThrottlingException({ message: 'slow down', $metadata: {} }))
      .resolves({});
    const pending = handler(batch(record('INSERT', sale(1))));
    await vi.runAllTimersAsync();
    expect((await pending).batchItemFailures).toEqual([]);
    expect(ivs).toHaveReceivedCommandTimes(PutMetadataCommand, 2);
  });

  it('skips a channel that is not broadcasting without failing the batch', async () => {
    ivs.on(PutMetadataCommand).rejects(new ChannelNotBroadcasting({ message: 'offline', $metadata: {} }));
    const burst = Array.from({ length: 30 }, (_, i) => record('INSERT', sale(i)));
    const result = await handler(batch(...burst));
    expect(result.batchItemFailures).toEqual([]);
    // The first refusal settles it for the rest of the burst.
    expect(ivs).toHaveReceivedCommandTimes(PutMetadataCommand, 1);
  });

  it('reports the records whose cues failed for another reason', async () => {
    ivs.on(PutMetadataCommand).rejects(new Error('boom'));
    const a = record('INSERT', sale(1));
    const result = await handler(batch(a));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: a.dynamodb?.SequenceNumber }]);
  });

  it('cues a product when it becomes featured, not when it stays featured', async () => {
    const product = {
      PK: 'PRODUCT#prd_1',
      SK: 'PRODUCT',
      type: 'Product',
      productId: 'prd_1',
      channelId: 'user-1',
      title: 'Leather jacket',
      currency: 'USD',
      buyNowPrice: 9900,
    };
    await handler(batch(record('MODIFY', { ...product, featured: true }, { ...product, featured: false })));
    await handler(
      batch(record('MODIFY', { ...product, featured: true, updatedAt: 'x' }, { ...product, featured: true })),
    );
    expect(ivs).toHaveReceivedCommandTimes(PutMetadataCommand, 1);
    const payload = ivs.commandCalls(PutMetadataCommand)[0]?.args[0].input.metadata ?? '';
    expect(parseCuePayload(payload)).toEqual([
      { kind: 'featured', productId: 'prd_1', price: 9900, currency: 'USD', title: 'Leather jacket' },
    ]);
  });
});

describe('sale-markers: recording classification', () => {
  it('counts a sale once on its recording', async () => {
    await handler(batch(record('INSERT', sale(1, { recordingId: 'rec_1', offsetMs: 120_000 }))));
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { PK: 'RECORDING#rec_1', SK: 'RECORDING' },
      UpdateExpression: expect.stringContaining('ADD saleCount :one, saleIds :ids'),
      ConditionExpression: 'NOT contains(saleIds, :sid)',
    });
  });

  it('a redelivered sale (already counted) is not a failure', async () => {
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'counted', $metadata: {} }));
    const result = await handler(batch(record('INSERT', sale(1, { recordingId: 'rec_1' }))));
    expect(result.batchItemFailures).toEqual([]);
  });

  const recording = {
    PK: 'RECORDING#rec_1',
    SK: 'RECORDING',
    type: 'Recording',
    recordingId: 'rec_1',
    bucket: 'your-bucket-name',
    s3Prefix: 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs',
    version: 4,
  };

  it('reconciles a classification that no longer matches keep/saleCount', async () => {
    await handler(
      batch(
        record('MODIFY', { ...recording, state: 'AVAILABLE', saleCount: 1, keep: false, classification: 'NO_SALES' }),
      ),
    );
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { PK: 'RECORDING#rec_1', SK: 'RECORDING' },
      ExpressionAttributeValues: expect.objectContaining({ ':c': 'HAS_SALES', ':v': 4 }),
    });
    expect(s3).not.toHaveReceivedCommand(PutObjectTaggingCommand);
  });

  const tagJobs = () =>
    events
      .commandCalls(PutEventsCommand)
      .flatMap((c) =>
        (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.Detail ?? '{}') as Record<string, unknown>),
      );

  it('queues one tagging job once the recording is AVAILABLE, and again when the classification changes; tags nothing itself', async () => {
    events.reset();
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
    const ended = { ...recording, state: 'AVAILABLE', saleCount: 0, keep: true, classification: 'KEEP' };
    const result = await handler(
      batch(
        record('MODIFY', ended, {
          ...recording,
          state: 'AVAILABLE',
          saleCount: 0,
          keep: false,
          classification: 'NO_SALES',
        }),
      ),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(s3).not.toHaveReceivedCommand(PutObjectTaggingCommand);
    expect(s3).not.toHaveReceivedCommand(ListObjectsV2Command);
    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'lvs-test-jobs',
          Source: 'live-shopping.recordings',
          DetailType: 'Recording Objects Page',
        }),
      ],
    });
    expect(tagJobs()).toEqual([
      {
        action: 'TAG',
        jobId: expect.stringMatching(/^tag_/),
        recordingId: 'rec_1',
        bucket: 'your-bucket-name',
        prefix: recording.s3Prefix,
        classification: 'KEEP',
        page: 0,
      },
    ]);

    // A redelivered stream record repeats the same job (the worker runs a job's page once).
    await handler(
      batch(
        record('MODIFY', ended, {
          ...recording,
          state: 'AVAILABLE',
          saleCount: 0,
          keep: false,
          classification: 'NO_SALES',
        }),
      ),
    );
    expect(tagJobs()[1]).toEqual(tagJobs()[0]);

    events.resetHistory();
    await handler(batch(record('MODIFY', { ...ended, updatedAt: 'later' }, ended)));
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('a tagging job EventBridge does not accept fails the record so the stream retries it', async () => {
    events.reset();
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    const rec = record(
      'MODIFY',
      { ...recording, state: 'AVAILABLE', saleCount: 0, keep: false, classification: 'NO_SALES' },
      { ...recording, state: 'RECORDING', classification: 'NO_SALES' },
    );
    const result = await handler(batch(rec));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: rec.dynamodb?.SequenceNumber }]);
  });

  it('does not tag a recording that is still being written', async () => {
    await handler(
      batch(
        record('INSERT', { ...recording, state: 'RECORDING', saleCount: 0, keep: false, classification: 'NO_SALES' }),
      ),
    );
    expect(s3).not.toHaveReceivedCommand(ListObjectsV2Command);
  });
});

describe('sale-markers: partial batch failures', () => {
  it('a record that cannot be read fails alone; the sales around it are cued and counted', async () => {
    // Prepare
    const before = record('INSERT', sale(1, { recordingId: 'rec_1' }));
    const poisoned = record('INSERT', sale(2));
    (poisoned.dynamodb as { NewImage: unknown }).NewImage = { price: { Z: 'not an attribute value' } };
    const after = record('INSERT', sale(3, { recordingId: 'rec_1' }));
    // Act
    const result = await handler(batch(before, poisoned, after));
    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: poisoned.dynamodb?.SequenceNumber }]);
    const cued = ivs
      .commandCalls(PutMetadataCommand)
      .flatMap((c) => parseCuePayload(c.args[0].input.metadata ?? '').map((cue) => cue.saleId));
    expect(cued).toEqual([sale(1).saleId, sale(3).saleId]);
    expect(
      ddb
        .commandCalls(UpdateCommand)
        .map((c) => [...(c.args[0].input.ExpressionAttributeValues?.[':ids'] as Set<string>)][0]),
    ).toEqual([sale(1).saleId, sale(3).saleId]);
  });

  it('a sale whose count fails is reported; its cue still went out with the others', async () => {
    ddb.on(UpdateCommand, { ExpressionAttributeValues: { ':sid': sale(2).saleId } }).rejects(new Error('throttled'));
    const records = [1, 2, 3].map((i) => record('INSERT', sale(i, { recordingId: 'rec_1' })));
    const result = await handler(batch(...records));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[1]?.dynamodb?.SequenceNumber }]);
    const cued = ivs
      .commandCalls(PutMetadataCommand)
      .flatMap((c) => parseCuePayload(c.args[0].input.metadata ?? '').map((cue) => cue.saleId));
    expect(cued).toEqual([1, 2, 3].map((i) => sale(i).saleId));
  });

  it('a recording whose reconcile fails is reported; a sale on another channel in the batch is not', async () => {
    ddb.on(UpdateCommand, { Key: { PK: 'RECORDING#rec_9', SK: 'RECORDING' } }).rejects(new Error('throttled'));
    const rec = record('MODIFY', {
      PK: 'RECORDING#rec_9',
      SK: 'RECORDING',
      type: 'Recording',
      recordingId: 'rec_9',
      state: 'AVAILABLE',
      saleCount: 2,
      classification: 'NO_SALES',
      version: 3,
    });
    const good = record('INSERT', sale(4));
    const result = await handler(batch(rec, good));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: rec.dynamodb?.SequenceNumber }]);
    expect(ivs).toHaveReceivedCommandTimes(PutMetadataCommand, 1);
  });

  it('names every record when all of them fail (no throw)', async () => {
    ivs.on(PutMetadataCommand).rejects(new Error('boom'));
    const records = [record('INSERT', sale(1)), record('INSERT', sale(2))];
    const result = await handler(batch(...records));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      records.map((r) => r.dynamodb?.SequenceNumber).sort(),
    );
  });
});
