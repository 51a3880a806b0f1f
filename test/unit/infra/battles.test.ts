/**
 * The Battles construct in the platform stack: the schedule group, the role EventBridge Scheduler
 * assumes (this account only, invoking the battles function only), the battles function's scheduling
 * grants (its group only; PassRole of that role to the Scheduler only), its environment and its
 * table-stream filter.
 */
import { describe, expect, it } from 'vitest';
import { BATTLE_CHANGED, FUNCTIONS } from '../../../lib/functions/catalog';
import { actionsOf, type Loose, useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;

const roleEntry = (): [string, Loose] =>
  Object.entries(stack.resources('AWS::IAM::Role')).find(
    ([, r]) => r.Properties.RoleName === 'lvs-dev-battles-scheduler',
  ) as [string, Loose];

describe('battles', () => {
  it("keeps the schedules in their own group; the Scheduler role is assumable by this account's schedules only", () => {
    t().hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'lvs-dev-battles' });
    const [, role] = roleEntry();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  it('lets the Scheduler role invoke the battles function and send failed invocations to its dead-letter queue, nothing else', () => {
    const [roleId] = roleEntry();
    const statements = Object.values(stack.resources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: Loose) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const invoke = statements.filter((s: Loose) => actionsOf([s]).some((a) => a.startsWith('lambda:')));
    expect(actionsOf(invoke)).toEqual(['lambda:InvokeFunction']);
    const fn = stack.fnId('battles');
    expect(invoke[0].Resource).toEqual([
      { 'Fn::GetAtt': [fn, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fn, 'Arn'] }, ':*']] },
    ]);
    const dlq = Object.entries(stack.resources('AWS::SQS::Queue')).find(
      ([, q]) => q.Properties.QueueName === 'lvs-dev-battles-dlq',
    )?.[0];
    const sends = statements.filter((s: Loose) => actionsOf([s]).some((a) => a.startsWith('sqs:')));
    expect(sends.map((s: Loose) => s.Resource)).toEqual([{ 'Fn::GetAtt': [dlq, 'Arn'] }]);
    expect(actionsOf(statements).filter((a) => !a.startsWith('lambda:') && !a.startsWith('sqs:'))).toEqual([]);
    expect(stack.fnProps('battles').Environment.Variables.BATTLE_SCHEDULE_DLQ_ARN).toEqual({
      'Fn::GetAtt': [dlq, 'Arn'],
    });
  });

  it('lets only the battles function create and delete schedules, in its group only, and pass only that role, to the Scheduler only', () => {
    const statements = stack.policiesOf('battles');
    const scheduling = statements.filter((s: Loose) => actionsOf([s]).some((a) => a.startsWith('scheduler:')));
    expect(actionsOf(scheduling).sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    for (const s of scheduling) expect(JSON.stringify(s.Resource)).toContain(':schedule/lvs-dev-battles/*');
    const pass = statements.filter((s: Loose) => actionsOf([s]).includes('iam:PassRole'));
    expect(pass).toEqual([
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [roleEntry()[0], 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
    for (const other of FUNCTIONS.map((f) => f.name).filter((n) => n !== 'battles')) {
      expect(
        actionsOf(stack.policiesOf(other)).filter((a) => a.startsWith('scheduler:') || a === 'iam:PassRole'),
      ).toEqual([]);
    }
  });

  it('gives the function its group, role, own ARN (by name: no self-reference), the bonus settings and the stream filter', () => {
    const env = stack.fnProps('battles').Environment.Variables;
    expect(env).toMatchObject({
      BATTLE_SCHEDULE_GROUP: 'lvs-dev-battles',
      BATTLE_SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [roleEntry()[0], 'Arn'] },
    });
    expect(JSON.stringify(env.BATTLE_TARGET_ARN)).toContain(':function:lvs-dev-battles');
    expect(JSON.parse(env.BATTLES)).toEqual({
      bonusPercent: 10,
      scoreShards: 8,
      settleMs: 1500,
      reconnectGraceSeconds: 30,
    });
    expect(JSON.parse(env.ECONOMY)).toMatchObject({ coinValueMinor: 1, currency: 'USD' });
    t().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: stack.fnId('battles') },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(BATTLE_CHANGED) }] },
    });
  });
});
