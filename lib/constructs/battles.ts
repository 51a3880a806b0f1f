import { ArnFormat, Stack } from 'aws-cdk-lib';
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/env';

export interface BattlesProps {
  /** Prefix of the schedule group's name (`<prefix>-battles`). */
  readonly prefix: string;
  /** The battles function: the schedules' target (the function granted grantScheduling creates them). */
  readonly target: LambdaFunction;
  /** The target's physical name, known before deploy (its ARN goes into its own environment). */
  readonly targetFunctionName: string;
}

/**
 * PK battles' timers (docs/battles.md): the EventBridge Scheduler group holding each battle's
 * one-time schedules (its end at the buzzer, its invitation's expiry) and the role the Scheduler
 * assumes to invoke the battles function, which may invoke nothing else. The function creates and
 * deletes schedules in this group only, and may pass this role only, to the Scheduler only
 * (grantScheduling). The schedules delete themselves after they fire.
 */
export class Battles extends Construct {
  readonly scheduleGroup: ScheduleGroup;
  /** Assumed by EventBridge Scheduler (this account's schedules only) to invoke the target. */
  readonly schedulerRole: Role;
  private readonly targetArn: string;
  private readonly schedulers: LambdaFunction[] = [];
  private deadLetterArn?: string;

  constructor(scope: Construct, id: string, props: BattlesProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.scheduleGroup = new ScheduleGroup(this, 'Schedules', { scheduleGroupName: `${props.prefix}-battles` });
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      roleName: `${props.prefix}-battles-scheduler`,
      description: "EventBridge Scheduler invokes the battles function at a battle's end and an invitation's expiry.",
      // Confused-deputy guard: only schedules of this account may assume it.
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    });
    props.target.grantInvoke(this.schedulerRole);
    // From the name: a reference to the function's Arn in its own environment would make it depend on itself.
    this.targetArn = Stack.of(this).formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: props.targetFunctionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Lets `fn` create and delete schedules in the group and pass the scheduler role to the Scheduler, with the names in its environment. */
  grantScheduling(fn: LambdaFunction): void {
    this.scheduleGroup.grants.writeSchedules(fn);
    this.scheduleGroup.grants.deleteSchedules(fn);
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['iam:PassRole'],
      resourceArns: [this.schedulerRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    fn.addEnvironment(ENV.BATTLE_SCHEDULE_GROUP, this.scheduleGroup.scheduleGroupName);
    fn.addEnvironment(ENV.BATTLE_SCHEDULER_ROLE_ARN, this.schedulerRole.roleArn);
    fn.addEnvironment(ENV.BATTLE_TARGET_ARN, this.targetArn);
    if (this.deadLetterArn) fn.addEnvironment(ENV.BATTLE_SCHEDULE_DLQ_ARN, this.deadLetterArn);
    this.schedulers.push(fn);
  }

  /**
   * Where a schedule's invocation goes after its retries failed (the target's dead-letter queue, with
   * its alarm): the Scheduler role may send to it, and the schedules the functions create name it.
   */
  sendFailuresTo(queue: IQueue): void {
    queue.grantSendMessages(this.schedulerRole);
    this.deadLetterArn = queue.queueArn;
    for (const fn of this.schedulers) fn.addEnvironment(ENV.BATTLE_SCHEDULE_DLQ_ARN, queue.queueArn);
  }
}
