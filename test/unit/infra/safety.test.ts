/**
 * Trust and safety in the platform stack: WAF in front of the GraphQL API (per-IP rate rule from
 * the stage config answering 429, AWS managed rule groups, logging that cdk-nag's WAFv2 logging
 * rule accepts), the admins' encrypted alert topic fed by the auto-suspension rule, and the safety
 * function's settings and IVS grants.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { NagRuleCompliance, rules } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { RATE_LIMITED_BODY, SAFETY_ALERT_EVENT } from '../../../lambdas/shared/domain/safety';
import { actionsOf, buildStack, type Loose, useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;
const idOf = (type: string, pred: (r: Loose) => boolean = () => true): string => {
  const found = Object.entries(stack.resources(type)).find(([, r]) => pred(r));
  expect(found, type).toBeDefined();
  return (found as [string, Loose])[0];
};

describe('WAF on the GraphQL API', () => {
  it("blocks an IP over the stage's rate with 429 and a GraphQL error, then runs the common and known-bad-input rule groups", () => {
    t().hasResourceProperties('AWS::WAFv2::WebACL', {
      Name: 'lvs-dev-api',
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      CustomResponseBodies: { 'rate-limited': { ContentType: 'APPLICATION_JSON', Content: RATE_LIMITED_BODY } },
      Rules: [
        Match.objectLike({
          Name: 'PerIpRate',
          Priority: 0,
          Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rate-limited' } } },
          Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 3000, EvaluationWindowSec: 300 } },
        }),
        Match.objectLike({
          Priority: 1,
          OverrideAction: { None: {} },
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
        }),
        Match.objectLike({
          Priority: 2,
          OverrideAction: { None: {} },
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
        }),
      ],
    });
  });

  it('is associated with the AppSync API and logs blocked requests without tokens', () => {
    const aclId = idOf('AWS::WAFv2::WebACL');
    t().hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { 'Fn::GetAtt': [idOf('AWS::AppSync::GraphQLApi'), 'Arn'] },
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
    });
    t().hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'aws-waf-logs-lvs-dev-api' });
    t().hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
      LoggingFilter: Match.objectLike({ DefaultBehavior: 'DROP' }),
    });
    const destination = JSON.stringify(
      Object.values(stack.resources('AWS::WAFv2::LoggingConfiguration'))[0].Properties.LogDestinationConfigs,
    );
    expect(destination).toContain(':log-group:aws-waf-logs-lvs-dev-api');
    expect(destination).not.toContain(':*');
  });

  it("passes cdk-nag's WAFv2 logging rule (resolved with a logging configuration, not suppressed)", () => {
    const acl = stack
      .built()
      .stack.node.findAll()
      .find((c): c is CfnWebACL => c instanceof CfnWebACL) as CfnWebACL;
    expect(rules.waf.WAFv2LoggingEnabled(acl)).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('takes the rate from the stage config', () => {
    const custom = buildStack('dev', {
      stages: {
        dev: {
          ...(stack.built().app.node.tryGetContext('stages') as Loose).dev,
          safety: { rateLimit: { requestsPerWindow: 500, windowSeconds: 60 } },
        },
      },
    });
    custom.template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 500, EvaluationWindowSec: 60 } },
        }),
      ]),
    });
  });
});

describe('auto-suspension', () => {
  it('alerts the admins through an encrypted SNS topic from the jobs bus', () => {
    const topicId = idOf('AWS::SNS::Topic', (r) => r.Properties.TopicName === 'lvs-dev-safety-alerts');
    t().hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'lvs-dev-safety-alerts',
      KmsMasterKeyId: Match.anyValue(),
    });
    t().hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: idOf('AWS::Events::EventBus', (r) => r.Properties.Name === 'lvs-dev-jobs') },
      EventPattern: { source: [SAFETY_ALERT_EVENT.source], 'detail-type': [SAFETY_ALERT_EVENT.detailType] },
      Targets: [Match.objectLike({ Arn: { Ref: topicId }, InputPath: '$.detail.message' })],
    });
  });

  it("gives the safety function its threshold, the jobs bus, and key deletion and StopStream on the platform's channels", () => {
    expect(stack.fnProps('safety').Environment.Variables).toMatchObject({
      AUTO_SUSPEND_REPORTS: '5',
      AUTO_SUSPEND_WINDOW_MINUTES: '10',
      JOBS_BUS_NAME: expect.anything(),
    });
    const actions = actionsOf(stack.policiesOf('safety'));
    for (const a of [
      'ivs:StopStream',
      'ivs:DeleteStreamKey',
      'ivs:CreateStreamKey',
      'ivs:ListStreamKeys',
      'events:PutEvents',
      'appsync:GraphQL',
    ])
      expect(actions).toContain(a);
    expect(actions.some((a) => a.startsWith('sns:'))).toBe(false);
  });

  it("lets the safety function sign out, disable and enable users of the stage's user pool only (bans)", () => {
    const poolId = idOf('AWS::Cognito::UserPool');
    expect(stack.fnProps('safety').Environment.Variables).toMatchObject({ USER_POOL_ID: { Ref: poolId } });
    const statements = stack
      .policiesOf('safety')
      .filter((st: Loose) => [st.Action].flat().some((a: string) => a.startsWith('cognito-idp:')));
    expect(statements).toHaveLength(1);
    expect([statements[0].Action].flat().sort()).toEqual([
      'cognito-idp:AdminDisableUser',
      'cognito-idp:AdminEnableUser',
      'cognito-idp:AdminUserGlobalSignOut',
    ]);
    expect(statements[0].Resource).toEqual({ 'Fn::GetAtt': [poolId, 'Arn'] });
    // No other function may disable accounts.
    for (const name of ['account', 'social', 'chat-token', 'stream-key'])
      expect(actionsOf(stack.policiesOf(name)).some((a) => a.startsWith('cognito-idp:'))).toBe(false);
  });
});
