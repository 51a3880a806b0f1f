/**
 * Drives the Main table's stream on DynamoDB Local by hand, as the Lambda event source would:
 * each `drain(handler)` hands every record written since the previous drain, in order, to the
 * handler. Tests call it where production would wait for the stream consumer.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/server';
import { withLambdaImages } from '../../local/streams/poller';
import type { DynamoDbLocalContext } from './dynamo';

export function tableStream(db: DynamoDbLocalContext): {
  drain(handle: (records: DynamoDBRecord[]) => Promise<void>): Promise<number>;
} {
  let streams: DynamoDBStreamsClient | undefined;
  const iterators = new Map<string, string | null>();
  return {
    async drain(handle) {
      streams ??= new DynamoDBStreamsClient({
        endpoint: db.endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      });
      const { Table } = await db.client.send(new DescribeTableCommand({ TableName: db.tableName }));
      const arn = Table?.LatestStreamArn as string;
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
      let count = 0;
      for (const shard of StreamDescription?.Shards ?? []) {
        const id = shard.ShardId as string;
        if (!iterators.has(id)) {
          const it = await streams.send(
            new GetShardIteratorCommand({ StreamArn: arn, ShardId: id, ShardIteratorType: 'TRIM_HORIZON' }),
          );
          iterators.set(id, it.ShardIterator ?? null);
        }
        let iterator = iterators.get(id) ?? null;
        while (iterator) {
          const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          // As Lambda's event JSON carries them (empty maps included).
          const records = (out.Records ?? []).map((r) => ({
            ...r,
            dynamodb: withLambdaImages(r.dynamodb),
          })) as unknown as DynamoDBRecord[];
          if (records.length) await handle(records);
          count += records.length;
          iterator = out.NextShardIterator ?? null;
          iterators.set(id, iterator);
          if (!records.length) break;
        }
      }
      return count;
    },
  };
}
