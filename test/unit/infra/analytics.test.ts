/**
 * The Analytics construct: a nested stack with the events HTTP API (throttled), the Firehose stream
 * (date/stream partitions, Parquet through the Glue table), the Glue table with partition projection,
 * and the Athena workgroup with the named queries and an encrypted results location; the two
 * functions' grants and environment in the main stack.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { App, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { NAMED_QUERY_NAMES, namedQueries } from '../../../lib/analytics/named-queries';
import { Analytics } from '../../../lib/constructs/analytics';
import {
  EVENTS_PREFIX,
  LATE_EVENT_GRACE_MS,
  PARTITION_QUERY,
  STORED_EVENT_COLUMNS,
} from '../../../lambdas/shared/domain/analytics-events';
import { type Loose, useDevStack } from './stack';

const stack = useDevStack();
const nested = (): Template => {
  const analytics = stack.built().stack.node.findChild('Analytics') as Analytics;
  return Template.fromStack(analytics.stack as NestedStack);
};

describe('analytics nested stack', () => {
  it('is a nested stack of the platform stack', () => {
    const analytics = stack.built().stack.node.findChild('Analytics') as Analytics;
    expect(analytics.stack.nestedStackParent).toBe(stack.built().stack);
    expect(Object.keys(stack.resources('AWS::KinesisFirehose::DeliveryStream'))).toHaveLength(0);
  });

  it('delivers events to S3 by date and stream, as Parquet through the Glue table, encrypted', () => {
    nested().hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'lvs-dev-analytics-events',
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: EVENTS_PREFIX,
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'MetadataExtraction',
              Parameters: Match.arrayWith([
                { ParameterName: 'MetadataExtractionQuery', ParameterValue: PARTITION_QUERY },
              ]),
            },
          ],
        },
        DataFormatConversionConfiguration: Match.objectLike({
          Enabled: true,
          InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
          SchemaConfiguration: Match.objectLike({ DatabaseName: 'lvs_dev_analytics', TableName: 'events' }),
        }),
      }),
    });
    expect(EVENTS_PREFIX).toBe('events/dt=!{timestamp:yyyy-MM-dd}/stream=!{partitionKeyFromQuery:stream}/');
  });

  it('declares the Glue table with the stored columns and partition projection (dt by date, stream injected)', () => {
    const table = Object.values(nested().findResources('AWS::Glue::Table'))[0] as Loose;
    const input = table.Properties.TableInput;
    expect(input.Name).toBe('events');
    expect(input.PartitionKeys).toEqual([
      { Name: 'dt', Type: 'string' },
      { Name: 'stream', Type: 'string' },
    ]);
    expect(input.StorageDescriptor.Columns).toEqual(STORED_EVENT_COLUMNS.map((c) => ({ Name: c.name, Type: c.type })));
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    );
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.stream.type': 'injected',
    });
  });

  it('runs the named queries in a workgroup that enforces an encrypted results location', () => {
    nested().hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'lvs-dev-analytics',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: {
          OutputLocation: Match.anyValue(),
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      }),
    });
    const queries = Object.values(nested().findResources('AWS::Athena::NamedQuery')) as Loose[];
    expect(queries.map((q) => q.Properties.Name).sort()).toEqual([...NAMED_QUERY_NAMES].sort());
    for (const q of namedQueries()) {
      expect(queries.find((x) => x.Properties.Name === q.name)?.Properties).toMatchObject({
        QueryString: q.sql,
        Database: 'lvs_dev_analytics',
        WorkGroup: 'lvs-dev-analytics',
      });
    }
    nested().hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('serves POST /events on an HTTP API whose stage is throttled and logged', () => {
    nested().hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /events' });
    nested().hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 2000, ThrottlingBurstLimit: 4000 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    stack.t().hasOutput('AnalyticsUrl', Match.anyValue());
  });

  it('grants the ingest function PutRecordBatch on the stream and the reports function the workgroup, Glue table and buckets', () => {
    const ingest = stack
      .policiesOf('analytics-ingest')
      .filter((s: Loose) => JSON.stringify(s.Action).includes('firehose'));
    expect(ingest).toHaveLength(1);
    expect(ingest[0].Action).toBe('firehose:PutRecordBatch');
    expect(JSON.stringify(ingest[0].Resource)).toContain('deliverystream/lvs-dev-analytics-events');
    const reports = JSON.stringify(stack.policiesOf('analytics-reports'));
    for (const action of [
      'athena:StartQueryExecution',
      'athena:GetQueryResults',
      'athena:GetNamedQuery',
      'glue:GetTable',
      'events:PutEvents',
      'ivschat:SendEvent',
    ])
      expect(reports).toContain(action);
    expect(stack.fnProps('analytics-reports').Environment.Variables).toMatchObject({
      ATHENA_WORKGROUP: 'lvs-dev-analytics',
      ATHENA_DATABASE: 'lvs_dev_analytics',
      ANALYTICS_SETTLE_SECONDS: '120',
    });
    expect(stack.fnProps('analytics-ingest').Environment.Variables).toMatchObject({
      ANALYTICS_DELIVERY_STREAM: 'lvs-dev-analytics-events',
    });
  });

  it('times the final report: a 60 s Firehose buffer (no zero buffering with dynamic partitioning), Athena after the grace plus 1.5 buffers', () => {
    const stream = Object.values(nested().findResources('AWS::KinesisFirehose::DeliveryStream'))[0] as Loose;
    const interval = stream.Properties.ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds as number;
    expect(interval).toBe(60);
    // The counters' report is stored once the late-event grace has passed (LATE_EVENT_GRACE_MS, 30 s); the
    // named queries run once Firehose's multi-stage buffering (up to 1.5 intervals) has landed every event.
    expect(LATE_EVENT_GRACE_MS).toBe(30_000);
    expect(stack.fnProps('analytics-reports').Environment.Variables.ANALYTICS_SETTLE_SECONDS).toBe(
      String(LATE_EVENT_GRACE_MS / 1000 + interval * 1.5),
    );
    const scratch = new Stack(new App(), 'Scratch');
    const props = {
      prefix: 'x',
      removalPolicy: RemovalPolicy.DESTROY,
      routes: [],
      logsBucket: new Bucket(scratch, 'Logs'),
    };
    expect(() => new Analytics(scratch, 'Zero', { ...props, bufferSeconds: 0 })).toThrow(/between 60 and 900/);
  });
});
