/** The Operations construct on its own: one queue and alarm per consumer, clear errors for bad props. */
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Operations } from '../../../lib/constructs/operations';

const make = (props: Partial<ConstructorParameters<typeof Operations>[2]> = {}) => {
  const stack = new Stack(new App(), 'S');
  const ops = new Operations(stack, 'Operations', { prefix: 'lvs-test', removalPolicy: RemovalPolicy.DESTROY, ...props });
  return { stack, ops };
};

describe('Operations', () => {
  it('creates one queue and one alarm per consumer, however often the stack asks', () => {
    const { stack, ops } = make();
    const first = ops.deadLetters('bid-history');
    expect(ops.deadLetters('bid-history')).toBe(first);
    ops.deadLetters('stream-state');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SQS::Queue', 2);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'lvs-test-bid-history-dead-letters', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    t.resourceCountIs('AWS::SNS::Subscription', 0);
    expect([...ops.all().keys()]).toEqual(['bid-history', 'stream-state']);
  });

  it('subscribes the e-mail when one is given, and keeps messages as long as asked', () => {
    const { stack, ops } = make({ email: 'ops@example.org', retention: Duration.days(4) });
    ops.deadLetters('auction-sweeper');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org', TopicArn: { Ref: Match.stringLikeRegexp('^OperationsTopic') } });
    t.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'lvs-test-auction-sweeper-dlq', MessageRetentionPeriod: 4 * 86400, SqsManagedSseEnabled: true });
  });

  it('refuses a retention SQS cannot keep and a consumer name that is not a function name', () => {
    expect(() => make({ retention: Duration.days(15) })).toThrow('Operations: retention must be between 1 minute and 14 days (SQS limits), got 15 days.');
    expect(() => make().ops.deadLetters('Bid History')).toThrow('Operations: consumer "Bid History" must be a kebab-case function name.');
  });
});
