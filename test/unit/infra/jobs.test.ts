/** The Jobs construct in the platform stack: the stack's own bus, the rules routing job events to workers, and who may put them. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { actionsOf, type Loose, useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;
const resources = stack.resources;
const policiesOf = stack.policiesOf;

describe('recording jobs', () => {
  const logicalIdOf = (type: string, pred: (r: Loose) => boolean): string => {
    const found = Object.entries(resources(type)).find(([, r]) => pred(r));
    expect(found).toBeDefined();
    return (found as [string, Loose])[0];
  };
  const workerId = () =>
    logicalIdOf('AWS::Lambda::Function', (r) => r.Properties.FunctionName === 'lvs-dev-recording-objects');
  // The worker's dead-letter queue comes from the Operations construct (one per consumer, with its alarm).
  const queueId = () =>
    logicalIdOf('AWS::SQS::Queue', (r) => r.Properties.QueueName === 'lvs-dev-recording-objects-dlq');

  it("routes recording-object pages from the stack's own jobs bus to the worker, undeliverable events to its failure queue", () => {
    const busId = logicalIdOf('AWS::Events::EventBus', (r) => r.Properties.Name === 'lvs-dev-jobs');
    t().hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: { source: ['live-shopping.recordings'], 'detail-type': ['Recording Objects Page'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [workerId(), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId(), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
  });

  it("retries failed pages twice, then keeps them in the worker's encrypted, TLS-only dead-letter queue with an alarm", () => {
    t().hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: workerId() },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(), 'Arn'] } } },
    });
    t().hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    t().hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    // The alarm lives in the Operations Alarms nested stack, on the queue's name handed in as a parameter.
    stack.alarms().hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'lvs-dev-recording-objects-dead-letters',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('gives the S3 bulk actions to the worker only; replay and sale-markers may only put job events', () => {
    const bucketId = logicalIdOf('AWS::S3::Bucket', (r) =>
      JSON.stringify(r.Properties).includes('expire-unsold-recordings'),
    );
    const worker = policiesOf('recording-objects');
    expect(worker).toContainEqual(
      expect.objectContaining({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } }),
    );
    expect(worker).toContainEqual(
      expect.objectContaining({
        Action: ['s3:PutObjectTagging', 's3:RestoreObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
      }),
    );
    expect(actionsOf(worker)).not.toContain('s3:GetObject');
    const busArn = {
      'Fn::GetAtt': [logicalIdOf('AWS::Events::EventBus', (r) => r.Properties.Name === 'lvs-dev-jobs'), 'Arn'],
    };
    for (const name of ['recording-objects', 'replay', 'sale-markers']) {
      expect(policiesOf(name)).toContainEqual(
        expect.objectContaining({ Action: 'events:PutEvents', Resource: busArn }),
      );
    }
    for (const name of ['replay', 'sale-markers']) {
      expect(actionsOf(policiesOf(name))).not.toContain('s3:RestoreObject');
      expect(actionsOf(policiesOf(name))).not.toContain('s3:PutObjectTagging');
    }
    expect(JSON.stringify(policiesOf('sale-markers'))).not.toContain(bucketId);
    const env = (fn: string) =>
      resources('AWS::Lambda::Function')[
        logicalIdOf('AWS::Lambda::Function', (r) => r.Properties.FunctionName === `lvs-dev-${fn}`)
      ].Properties.Environment.Variables;
    expect(env('replay').JOBS_BUS_NAME).toEqual({
      Ref: logicalIdOf('AWS::Events::EventBus', (r) => r.Properties.Name === 'lvs-dev-jobs'),
    });
    expect(env('recording-objects').GRAPHQL_URL).toBeDefined();
  });
});

describe('go-live e-mail pages', () => {
  it("continues the email fan-out through the stack's own jobs bus (never the default bus other stages share)", () => {
    const busId = Object.entries(resources('AWS::Events::EventBus')).find(
      ([, r]) => r.Properties.Name === 'lvs-dev-jobs',
    )?.[0] as string;
    t().hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: { source: ['lvs.alerts'], 'detail-type': ['Go-Live Email Page'] },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 } })],
    });
    const puts = policiesOf('go-live-fanout').filter((st) => actionsOf([st]).includes('events:PutEvents'));
    expect(puts.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [busId, 'Arn'] }]);
  });
});
