/**
 * The Operations construct on its own (one queue and alarm per consumer, clear errors for bad props),
 * and in the platform stack: every consumer's failure destination, alarm and retry policy.
 */
import { App, Duration, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Operations } from '../../../lib/constructs/operations';
import { FUNCTIONS } from '../../../lib/functions/catalog';
import { actionsOf, buildStack, inspect, type Loose } from './stack';

const make = (props: Partial<ConstructorParameters<typeof Operations>[2]> = {}) => {
  const stack = new Stack(new App(), 'S');
  const ops = new Operations(stack, 'Operations', {
    prefix: 'lvs-test',
    removalPolicy: RemovalPolicy.DESTROY,
    ...props,
  });
  return { stack, ops };
};

/** The nested stack that holds the dead-letter queues' alarms. */
const alarmStack = (ops: Operations): NestedStack => ops.node.findChild('Alarms') as NestedStack;

describe('Operations', () => {
  it('creates one queue and one alarm per consumer, however often the stack asks', () => {
    const { stack, ops } = make();
    const first = ops.deadLetters('sale-markers');
    expect(ops.deadLetters('sale-markers')).toBe(first);
    ops.deadLetters('stream-state');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SQS::Queue', 2);
    // The alarms live in the Alarms nested stack (room in the main template).
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const alarms = Template.fromStack(alarmStack(ops));
    alarms.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    alarms.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'lvs-test-sale-markers-dead-letters',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    t.resourceCountIs('AWS::SNS::Subscription', 0);
    expect([...ops.all().keys()]).toEqual(['sale-markers', 'stream-state']);
  });

  it('subscribes the e-mail when one is given, and keeps messages as long as asked', () => {
    const { stack, ops } = make({ email: 'ops@example.org', retention: Duration.days(4) });
    ops.deadLetters('auction-sweeper');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: { Ref: Match.stringLikeRegexp('^OperationsTopic') },
    });
    t.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'lvs-test-auction-sweeper-dlq',
      MessageRetentionPeriod: 4 * 86400,
      SqsManagedSseEnabled: true,
    });
  });

  it('refuses a retention SQS cannot keep and a consumer name that is not a function name', () => {
    expect(() => make({ retention: Duration.days(15) })).toThrow(
      'Operations: retention must be between 1 minute and 14 days (SQS limits), got 15 days.',
    );
    expect(() => make().ops.deadLetters('Bid History')).toThrow(
      'Operations: consumer "Bid History" must be a kebab-case function name.',
    );
  });
});

let built: ReturnType<typeof buildStack>;
let x: ReturnType<typeof inspect>;
const t = () => built.template;
const resources = (type: string): Record<string, Loose> => x.resources(type);
const policiesOf = (name: string): Loose[] => x.policiesOf(name);

beforeAll(() => {
  built = buildStack();
  x = inspect(built);
});

describe('failure destinations', () => {
  const consumers = (kind: string) =>
    FUNCTIONS.filter((f) => f.triggers.some((tr) => tr.kind === kind)).map((f) => f.name);
  const fnLogicalId = (name: string) =>
    Object.entries(resources('AWS::Lambda::Function')).find(
      ([, r]) => r.Properties.FunctionName === `lvs-dev-${name}`,
    )?.[0] as string;
  const queueLogicalId = (name: string) =>
    Object.entries(resources('AWS::SQS::Queue')).find(
      ([, r]) => r.Properties.QueueName === `lvs-dev-${name}-dlq`,
    )?.[0] as string;
  const topicLogicalId = () =>
    Object.entries(resources('AWS::SNS::Topic')).find(
      ([, r]) => r.Properties.TopicName === 'lvs-dev-operations',
    )?.[0] as string;

  it('gives every table-stream consumer bounded retries, bisect-on-error, partial batch responses and an on-failure queue', () => {
    expect(consumers('table-stream')).toEqual(['provision-streamer', 'sale-markers', 'gift-fanout', 'battles']);
    for (const name of consumers('table-stream')) {
      t().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnLogicalId(name) },
        MaximumRetryAttempts: 5,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueLogicalId(name), 'Arn'] } } },
      });
      // The mapping sends with the function's role: it must be allowed to.
      const send = policiesOf(name).find((st) => actionsOf([st]).includes('sqs:SendMessage'));
      expect(send?.Resource).toEqual({ 'Fn::GetAtt': [queueLogicalId(name), 'Arn'] });
    }
    expect(Object.keys(resources('AWS::Lambda::EventSourceMapping'))).toHaveLength(consumers('table-stream').length);
  });

  it('gives every EventBridge rule target (IVS events and schedules) a dead-letter queue and a retry policy', () => {
    const rules = Object.values(resources('AWS::Events::Rule'));
    const ruleTriggers = FUNCTIONS.flatMap((f) => f.triggers).filter((tr) =>
      ['eventbridge', 'schedule', 'platform-event'].includes(tr.kind),
    );
    // One rule more than the catalog's triggers: the admins' safety alerts (jobs bus → SNS), with its own dead-letter queue.
    expect(rules.length).toBe(ruleTriggers.length + 1);
    t().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': Match.anyValue() }),
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('AdminAlerts') },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueLogicalId('safety'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
    for (const name of consumers('eventbridge')) {
      t().hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.anyValue(),
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [fnLogicalId(name), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueLogicalId(name), 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          }),
        ],
      });
    }
    for (const name of consumers('schedule')) {
      t().hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [fnLogicalId(name), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueLogicalId(name), 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
          }),
        ],
      });
    }
    for (const rule of rules)
      expect(rule.Properties.Targets.every((tg: Loose) => tg.DeadLetterConfig && tg.RetryPolicy)).toBe(true);
    // EventBridge may send to each DLQ, only on behalf of its own rule.
    for (const name of [...consumers('eventbridge'), ...consumers('schedule')]) {
      t().hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueLogicalId(name) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'sqs:SendMessage',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
            }),
          ]),
        },
      });
    }
  });

  it('encrypts every dead-letter queue, refuses plain HTTP, and alarms on its depth to the operations topic', () => {
    // 'safety': the dead letters of the admins' alert rule (its target is SNS, not the function).
    const names = [
      ...new Set([
        ...consumers('table-stream'),
        ...consumers('eventbridge'),
        ...consumers('schedule'),
        ...consumers('platform-event'),
        'safety',
      ]),
    ];
    expect(Object.keys(resources('AWS::SQS::Queue')).sort()).toEqual(names.map(queueLogicalId).sort());
    for (const name of names) {
      t().hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `lvs-dev-${name}-dlq`,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1209600,
      });
      t().hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueLogicalId(name) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
    // The alarms are in the Alarms nested stack: one per queue, each on the queue's depth, notifying
    // the operations topic, both handed in as the nested stack's parameters.
    const ops = built.stack.node.findAll().find((c): c is Operations => c instanceof Operations) as Operations;
    const nested = Template.fromStack(alarmStack(ops));
    const nestedResource = Object.values(resources('AWS::CloudFormation::Stack')).find((r) =>
      Object.values((r.Properties.Parameters ?? {}) as Record<string, Loose>).some(
        (v) => JSON.stringify(v) === JSON.stringify({ Ref: topicLogicalId() }),
      ),
    );
    const params = (nestedResource?.Properties.Parameters ?? {}) as Record<string, Loose>;
    const paramFor = (value: Loose) =>
      Object.keys(params).find((k) => JSON.stringify(params[k]) === JSON.stringify(value)) as string;
    for (const name of names) {
      nested.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `lvs-dev-${name}-dead-letters`,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { Ref: paramFor({ 'Fn::GetAtt': [queueLogicalId(name), 'QueueName'] }) } },
        ],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: paramFor({ Ref: topicLogicalId() }) }],
      });
    }
    expect(Object.keys(nested.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(names.length);
    expect(Object.keys(resources('AWS::CloudWatch::Alarm'))).toHaveLength(0);
  });

  it('encrypts the operations topic with a rotated key CloudWatch may use, and subscribes the stage e-mail only where configured', () => {
    const topic = resources('AWS::SNS::Topic')[topicLogicalId()];
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = resources('AWS::KMS::Key')[keyId];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    t().hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicLogicalId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    expect(
      Object.values(resources('AWS::SNS::Subscription')).filter(
        (sub) => sub.Properties.TopicArn?.Ref === topicLogicalId(),
      ),
    ).toEqual([]);
    const prod = buildStack('prod');
    prod.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^OperationsTopic') },
    });
  });
});
