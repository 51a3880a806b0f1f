/**
 * Sale-marker bursts through the real sale-markers handler (IVS and DynamoDB mocked, real timers):
 * how many PutMetadata calls a burst needs, the most calls in any 1-second window (IVS allows 5
 * per channel), how long until the last cue is out, and whether every sale reached a payload.
 */
import { IvsClient, PutMetadataCommand } from '@aws-sdk/client-ivs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { BenchTable } from './run';

export default async function bench(): Promise<BenchTable[]> {
  process.env.TABLE_NAME ??= 'bench-main';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const { handler, resetLimiters } = await import('../../lambdas/sale-markers/handler');
  const { parseCuePayload } = await import('../../lambdas/shared/domain/markers');
  const ddb = mockClient(DynamoDBDocumentClient);
  const ivs = mockClient(IvsClient);
  ddb.on(GetCommand).resolves({ Item: { channelArn: 'arn:aws:ivs:us-east-1:123456789012:channel/bench' } });
  ddb.on(UpdateCommand).resolves({});

  const rows: Record<string, string | number>[] = [];
  let allOk = true;
  for (const sales of [10, 50, 200]) {
    resetLimiters();
    const times: number[] = [];
    const seen = new Set<string>();
    let bytes = 0;
    ivs.reset();
    ivs.on(PutMetadataCommand).callsFake((input: { metadata: string }) => {
      times.push(performance.now());
      bytes = Math.max(bytes, Buffer.byteLength(input.metadata));
      for (const cue of parseCuePayload(input.metadata)) seen.add(String(cue.saleId));
      return {};
    });
    const event: DynamoDBStreamEvent = {
      Records: Array.from({ length: sales }, (_, i) => {
        const saleId = `sal_${String(i).padStart(20, '0')}`;
        return {
          eventName: 'INSERT' as const,
          dynamodb: {
            SequenceNumber: String(i + 1),
            NewImage: marshall({ PK: `SALE#${saleId}`, SK: 'SALE', type: 'Sale', saleId, productId: `prd_${String(i).padStart(20, '0')}`, channelId: 'bench', price: 1000 + i, currency: 'EUR' }) as never,
          },
        };
      }),
    };
    const start = performance.now();
    const result = await handler(event);
    const drainMs = performance.now() - start;
    const maxPerSecond = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    const ok = seen.size === sales && maxPerSecond <= 5 && result.batchItemFailures.length === 0;
    allOk &&= ok;
    rows.push({ sales, putMetadataCalls: times.length, maxCallsIn1s: maxPerSecond, largestPayloadBytes: bytes, lastCueAfterMs: Math.round(drainMs), allSalesDelivered: String(seen.size === sales) });
  }
  ddb.restore();
  ivs.restore();
  return [
    {
      title: 'Sale-marker bursts on one channel (one stream batch each)',
      rows,
      verdict: allOk ? 'Target met: every sale delivered, never more than 5 PutMetadata calls in any second, payloads <= 1024 bytes.' : 'Target MISSED: see rows.',
    },
  ];
}
