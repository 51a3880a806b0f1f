import { Aws, Duration, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { Grant, PolicyStatement, Role, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, LogStream, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { namedQueries } from '../analytics/named-queries';
import {
  EVENTS_ERROR_PREFIX,
  EVENTS_PREFIX,
  EVENTS_TABLE,
  LATE_EVENT_GRACE_MS,
  PARTITION_COLUMNS,
  PARTITION_QUERY,
  STORED_EVENT_COLUMNS,
} from '../../lambdas/shared/domain/analytics-events';
import { ENV } from '../../lambdas/shared/env';

export interface AnalyticsRoute {
  readonly method: 'POST';
  readonly path: string;
  readonly handler: IFunction;
}

export interface AnalyticsProps {
  /** Prefix of the resource names (`<prefix>-analytics…`). */
  readonly prefix: string;
  /** What deleting the stack does to the events and results buckets (DESTROY also empties them). */
  readonly removalPolicy: RemovalPolicy;
  /** The endpoint's routes (the catalog's `http-api` triggers). */
  readonly routes: readonly AnalyticsRoute[];
  /** Bucket receiving the analytics buckets' server access logs. */
  readonly logsBucket: IBucket;
  /**
   * Steady requests per second the endpoint accepts, all clients together (each viewer sends about one
   * request every 15 s: 2,000 rps is some 30,000 viewers); beyond it API Gateway answers 429.
   * @default 2000
   */
  readonly rateLimit?: number;
  /** @default 4000 */
  readonly burstLimit?: number;
  /**
   * Firehose's buffer interval: how long events wait before they land in S3. Dynamic partitioning
   * rules out zero buffering and may hold a record 1.5 intervals (multi-stage buffering); the final
   * report from Athena waits that plus the late-event grace, while the report from the live counters
   * is stored as soon as the grace has passed (docs/analytics.md, "Final report").
   * @default 60
   */
  readonly bufferSeconds?: number;
  /** @default 30 days */
  readonly logRetention?: RetentionDays;
}

/**
 * Viewer analytics (issue 17, docs/analytics.md), in a nested stack of its own so the platform's
 * main template keeps its room: the events HTTP API (throttled stage, access logs) in front of the
 * ingest function; an Amazon Data Firehose stream that partitions the records by date and stream
 * and converts them to Parquet through the Glue table; the Glue database and table (partition
 * projection: `dt` by date, `stream` injected by each query); an Athena workgroup with the named
 * queries and an encrypted results location it enforces.
 *
 * The names (delivery stream, workgroup, database, buckets) are fixed from the prefix, so the grants
 * and environment the functions get in the main stack name the resources without reaching into the
 * nested stack's outputs.
 */
export class Analytics extends Construct {
  readonly stack: NestedStack;
  readonly url: string;
  readonly deliveryStreamName: string;
  readonly workGroupName: string;
  readonly databaseName: string;
  readonly eventsBucketName: string;
  readonly resultsBucketName: string;
  /** Named query ids by name (the reports function's ANALYTICS_NAMED_QUERIES). */
  readonly namedQueryIds: Record<string, string>;
  readonly bufferSeconds: number;

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    this.bufferSeconds = props.bufferSeconds ?? 60;
    if (this.bufferSeconds < 60 || this.bufferSeconds > 900)
      throw new Error(
        'Analytics bufferSeconds must be between 60 and 900: Firehose has no zero buffering with dynamic partitioning, and 900 is its longest.',
      );
    this.deliveryStreamName = `${props.prefix}-analytics-events`;
    this.workGroupName = `${props.prefix}-analytics`;
    this.databaseName = `${props.prefix.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_analytics`;
    this.eventsBucketName = `${props.prefix}-analytics-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
    this.resultsBucketName = `${props.prefix}-analytics-results-${Aws.ACCOUNT_ID}-${Aws.REGION}`;

    const stack = new NestedStack(this, 'Resources', {
      description: `${props.prefix}: viewer analytics (events endpoint, Firehose, Glue, Athena)`,
    });
    this.stack = stack;
    const autoDelete = props.removalPolicy === RemovalPolicy.DESTROY;
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;

    const events = new Bucket(stack, 'Events', {
      bucketName: this.eventsBucketName,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: autoDelete,
      serverAccessLogsBucket: props.logsBucket,
      serverAccessLogsPrefix: 'analytics-events/',
      lifecycleRules: [{ prefix: 'errors/', expiration: Duration.days(30) }],
    });
    const results = new Bucket(stack, 'Results', {
      bucketName: this.resultsBucketName,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: autoDelete,
      serverAccessLogsBucket: props.logsBucket,
      serverAccessLogsPrefix: 'analytics-results/',
      // Query results are read once by the report function; a week is for an operator's ad-hoc look.
      lifecycleRules: [{ expiration: Duration.days(7) }],
    });

    const database = new CfnDatabase(stack, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.databaseName, description: 'Viewer analytics events (docs/analytics.md)' },
    });
    const table = new CfnTable(stack, 'EventsTable', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: {
        name: EVENTS_TABLE,
        tableType: 'EXTERNAL_TABLE',
        description: 'Viewer events, one row per event as the ingest endpoint stored it',
        partitionKeys: PARTITION_COLUMNS.map((name) => ({ name, type: 'string' })),
        parameters: {
          classification: 'parquet',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2025-01-01,NOW',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          // Stream ids are unknown ahead of time: every query names its stream, which Athena injects into the location.
          'projection.stream.type': 'injected',
          'storage.location.template': `s3://${this.eventsBucketName}/events/dt=\${dt}/stream=\${stream}/`,
        },
        storageDescriptor: {
          columns: STORED_EVENT_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
          location: `s3://${this.eventsBucketName}/events/`,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            parameters: { 'serialization.format': '1' },
          },
        },
      },
    });
    table.addResourceDependency(database);

    const firehoseLogs = new LogGroup(stack, 'FirehoseLogs', { retention, removalPolicy: props.removalPolicy });
    const deliveryLog = new LogStream(stack, 'FirehoseDeliveryLog', {
      logGroup: firehoseLogs,
      removalPolicy: props.removalPolicy,
    });
    const firehoseRole = new Role(stack, 'FirehoseRole', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com'),
      description: 'Firehose: write the events bucket, read the Glue table for Parquet conversion',
    });
    // What Firehose's S3 destination calls, on its two prefixes only.
    firehoseRole.addToPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
        resources: [events.arnForObjects('events/*'), events.arnForObjects('errors/*')],
      }),
    );
    firehoseRole.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [events.bucketArn],
      }),
    );
    firehoseRole.addToPolicy(
      new PolicyStatement({
        actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
        resources: [this.catalogArn(stack), this.databaseArn(stack), this.tableArn(stack)],
      }),
    );
    firehoseLogs.grantWrite(firehoseRole);

    const delivery = new CfnDeliveryStream(stack, 'DeliveryStream', {
      deliveryStreamName: this.deliveryStreamName,
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: events.bucketArn,
        roleArn: firehoseRole.roleArn,
        prefix: EVENTS_PREFIX,
        errorOutputPrefix: EVENTS_ERROR_PREFIX,
        // Parquet conversion needs at least 64 MiB buffers; the interval is what bounds the delay.
        bufferingHints: { intervalInSeconds: this.bufferSeconds, sizeInMBs: 64 },
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'MetadataExtractionQuery', parameterValue: PARTITION_QUERY },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
          ],
        },
        dataFormatConversionConfiguration: {
          enabled: true,
          inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
          outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
          schemaConfiguration: {
            catalogId: Aws.ACCOUNT_ID,
            databaseName: this.databaseName,
            tableName: EVENTS_TABLE,
            region: Aws.REGION,
            roleArn: firehoseRole.roleArn,
            versionId: 'LATEST',
          },
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: firehoseLogs.logGroupName,
          logStreamName: deliveryLog.logStreamName,
        },
      },
    });
    delivery.node.addDependency(firehoseRole, table);

    const workGroup = new CfnWorkGroup(stack, 'WorkGroup', {
      name: this.workGroupName,
      description: 'Analytics named queries (stream reports)',
      state: 'ENABLED',
      recursiveDeleteOption: autoDelete,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        // A runaway ad-hoc query stops at 10 GB scanned (Athena bills per TB scanned).
        bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${results.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
    this.namedQueryIds = {};
    for (const q of namedQueries()) {
      const named = new CfnNamedQuery(
        stack,
        `Query${q.name
          .split('-')
          .map((p) => p[0]?.toUpperCase() + p.slice(1))
          .join('')}`,
        {
          name: q.name,
          description: q.description,
          database: this.databaseName,
          queryString: q.sql,
          workGroup: workGroup.name,
        },
      );
      named.addResourceDependency(workGroup);
      named.addResourceDependency(database);
      this.namedQueryIds[q.name] = named.attrNamedQueryId;
    }

    const accessLogs = new LogGroup(stack, 'ApiAccessLogs', { retention, removalPolicy: props.removalPolicy });
    const api = new HttpApi(stack, 'Api', {
      apiName: `${props.prefix}-analytics`,
      description: 'Viewer analytics events',
      createDefaultStage: false,
    });
    const stage = new HttpStage(stack, 'Stage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 2000, burstLimit: props.burstLimit ?? 4000 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    for (const route of props.routes) {
      const integration = new HttpLambdaIntegration(`${route.handler.node.id}Integration`, route.handler);
      api.addRoutes({ path: route.path, methods: [HttpMethod.POST, HttpMethod.OPTIONS], integration });
    }
    this.url = stage.url.replace(/\/$/, '');
  }

  private catalogArn(scope: Construct): string {
    return Stack.of(scope).formatArn({ service: 'glue', resource: 'catalog' });
  }

  private databaseArn(scope: Construct): string {
    return Stack.of(scope).formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName });
  }

  private tableArn(scope: Construct): string {
    return Stack.of(scope).formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${this.databaseName}/${EVENTS_TABLE}`,
    });
  }

  /** Lets `fn` put viewer events on the delivery stream, and names it in ANALYTICS_DELIVERY_STREAM. */
  grantIngest(fn: IGrantable & { addEnvironment(key: string, value: string): unknown }): void {
    fn.addEnvironment(ENV.ANALYTICS_DELIVERY_STREAM, this.deliveryStreamName);
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['firehose:PutRecordBatch'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'firehose',
          resource: 'deliverystream',
          resourceName: this.deliveryStreamName,
        }),
      ],
    });
  }

  /**
   * Lets `fn` run the named queries: Athena in the workgroup, the Glue table's metadata, the events
   * it reads and the results it writes (Athena acts with the caller's permissions), and sets the
   * workgroup, database, named query ids and settle time in its environment.
   */
  grantReports(fn: IGrantable & { addEnvironment(key: string, value: string): unknown }): void {
    const stack = Stack.of(this);
    fn.addEnvironment(ENV.ATHENA_WORKGROUP, this.workGroupName);
    fn.addEnvironment(ENV.ATHENA_DATABASE, this.databaseName);
    fn.addEnvironment(ENV.ANALYTICS_NAMED_QUERIES, stack.toJsonString(this.namedQueryIds));
    // Firehose may hold a record 1.5 times its buffer interval (multi-stage buffering).
    fn.addEnvironment(
      ENV.ANALYTICS_SETTLE_SECONDS,
      String(Math.ceil(LATE_EVENT_GRACE_MS / 1000 + this.bufferSeconds * 1.5)),
    );
    const grant = (actions: string[], resourceArns: string[]) =>
      Grant.addToPrincipal({ grantee: fn, actions, resourceArns });
    grant(
      ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:GetNamedQuery'],
      [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName })],
    );
    grant(['glue:GetDatabase'], [this.catalogArn(stack), this.databaseArn(stack)]);
    grant(
      ['glue:GetTable', 'glue:GetPartitions'],
      [this.catalogArn(stack), this.databaseArn(stack), this.tableArn(stack)],
    );
    const events = `arn:${Aws.PARTITION}:s3:::${this.eventsBucketName}`;
    const results = `arn:${Aws.PARTITION}:s3:::${this.resultsBucketName}`;
    grant(['s3:GetBucketLocation', 's3:ListBucket'], [events, results]);
    grant(['s3:GetObject'], [`${events}/events/*`]);
    grant(
      ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      [`${results}/results/*`],
    );
  }
}
