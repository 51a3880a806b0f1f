/** The Chat construct in the platform stack: the review handler's invoke permissions, the chat log, and the IVS Chat grants on runtime rooms. */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../lib/functions/catalog';
import { buildStack, actionsOf, type Loose, useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;
const policiesOf = stack.policiesOf;

describe('chat', () => {
  it('lets IVS Chat rooms of this account invoke the review handler, and logs chat', () => {
    t().hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'ivschat.amazonaws.com',
      Action: 'lambda:InvokeFunction',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':room/\\*$')])] },
    });
    t().hasResourceProperties('AWS::IVSChat::LoggingConfiguration', {
      DestinationConfiguration: { CloudWatchLogs: { LogGroupName: Match.anyValue() } },
    });
    t().hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/lvs-dev/chat', RetentionInDays: 30 });
  });

  it("feeds the chat log to chat-history through a subscription filter (the history stays off the review handler's path)", () => {
    const historyFn = Object.entries(t().findResources('AWS::Lambda::Function')).find(
      ([, r]) => (r as Loose).Properties.FunctionName === 'lvs-dev-chat-history',
    )?.[0] as string;
    t().hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: Match.anyValue(),
      FilterPattern: '',
      DestinationArn: { 'Fn::GetAtt': [historyFn, 'Arn'] },
    });
    t().hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [historyFn, 'Arn'] },
      Principal: Match.stringLikeRegexp('logs'),
    });
  });

  it('rooms call the review handler itself in dev, and its warm `live` alias where the stage sets provisioned concurrency (prod)', () => {
    const reviewFnId = (template: Template, prefix: string) =>
      Object.entries(template.findResources('AWS::Lambda::Function')).find(
        ([, r]) => (r as Loose).Properties.FunctionName === `${prefix}-chat-review`,
      )?.[0] as string;
    const provisionEnv = (template: Template, prefix: string) =>
      (
        Object.values(template.findResources('AWS::Lambda::Function')).find(
          (r) => (r as Loose).Properties.FunctionName === `${prefix}-provision-streamer`,
        ) as Loose
      ).Properties.Environment.Variables;

    expect(stack.built().config.chatReviewProvisionedConcurrency).toBe(0);
    t().resourceCountIs('AWS::Lambda::Alias', 0);
    expect(provisionEnv(t(), 'lvs-dev').CHAT_REVIEW_FUNCTION_ARN).toEqual({
      'Fn::GetAtt': [reviewFnId(t(), 'lvs-dev'), 'Arn'],
    });

    const prod = buildStack('prod');
    expect(prod.config.chatReviewProvisionedConcurrency).toBe(2);
    const fnId = reviewFnId(prod.template, 'lvs-prod');
    const aliases = prod.template.findResources('AWS::Lambda::Alias', {
      Properties: {
        Name: 'live',
        FunctionName: { Ref: fnId },
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
      },
    });
    const aliasId = Object.keys(aliases)[0] as string;
    expect(Object.keys(aliases)).toHaveLength(1);
    prod.template.hasResourceProperties('AWS::Lambda::Alias', {
      FunctionVersion: { 'Fn::GetAtt': [Match.anyValue(), 'Version'] },
    });
    expect(provisionEnv(prod.template, 'lvs-prod').CHAT_REVIEW_FUNCTION_ARN).toEqual({ Ref: aliasId });
    prod.template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { Ref: aliasId },
      Principal: 'ivschat.amazonaws.com',
      Action: 'lambda:InvokeFunction',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':room/\\*$')])] },
    });
    prod.template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'ivschat.amazonaws.com',
    });
  });

  it("grants IVS Chat calls on this stage's tagged rooms only (creation by the requested tag), lists on *", () => {
    const chat = FUNCTIONS.flatMap((f) =>
      policiesOf(f.name)
        .filter((st) => actionsOf([st]).some((a) => a.startsWith('ivschat:')))
        .map((st) => ({ fn: f.name, st })),
    );
    // Statements with the same resources and conditions are merged across services (minimizePolicies).
    const ivschat = (st: Loose) => actionsOf([st]).filter((a) => a.startsWith('ivschat:'));
    const byFn = (fn: string) =>
      chat
        .filter((g) => g.fn === fn)
        .flatMap((g) => ivschat(g.st))
        .sort();
    expect(byFn('chat-token')).toEqual(['ivschat:CreateChatToken']);
    expect(byFn('chat-moderation')).toEqual(['ivschat:DeleteMessage', 'ivschat:DisconnectUser', 'ivschat:SendEvent']);
    expect(byFn('provision-streamer')).toEqual(['ivschat:CreateRoom', 'ivschat:ListRooms', 'ivschat:TagResource']);
    expect(byFn('runtime-teardown')).toEqual(['ivschat:DeleteRoom', 'ivschat:ListRooms']);
    // Viewer milestones post a system line in the room (analytics reports and the health poller, whichever sees it first).
    expect(byFn('analytics-reports')).toEqual(['ivschat:SendEvent']);
    expect(byFn('stream-health-poller')).toEqual(['ivschat:SendEvent']);
    expect([...new Set(chat.map((g) => g.fn))].sort()).toEqual([
      'analytics-reports',
      'chat-moderation',
      'chat-token',
      'provision-streamer',
      'runtime-teardown',
      'stream-health-poller',
    ]);
    for (const { fn, st } of chat) {
      if (st.Resource === '*') {
        expect(ivschat(st), fn).toEqual(['ivschat:ListRooms']);
        continue;
      }
      expect(JSON.stringify(st.Resource), fn).toMatch(/:room\/\*"/);
      const tag = actionsOf([st]).includes('ivschat:CreateRoom')
        ? 'aws:RequestTag/platform'
        : 'aws:ResourceTag/platform';
      expect(st.Condition, fn).toEqual({ StringEquals: { [tag]: 'lvs-dev' } });
    }
  });

  it('gives provision-streamer the review handler and chat log its rooms attach to', () => {
    expect(stack.fnProps('provision-streamer').Environment.Variables).toMatchObject({
      CHAT_REVIEW_FUNCTION_ARN: { 'Fn::GetAtt': [stack.fnId('chat-review'), 'Arn'] },
      CHAT_LOGGING_CONFIGURATION_ARN: { 'Fn::GetAtt': [expect.stringMatching(/^ChatChatLogging/), 'Arn'] },
    });
  });
});
