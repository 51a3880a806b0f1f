/**
 * The one-time EventBridge Scheduler schedules that end a battle at its buzzer, expire an
 * unanswered invitation, and forfeit a side whose stream ended and did not come back in time: `at(...)` in UTC, no flexible window, deleted by the Scheduler after they
 * fire (ActionAfterCompletion DELETE). Each targets the battles function with a {@link ScheduledBattleEvent}.
 * The local mode reaches its Scheduler stand-in (local/scheduler) through AWS_ENDPOINT_URL_SCHEDULER.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { z } from 'zod';

/** What a battle's schedule hands the battles function. */
export const scheduledBattleEventSchema = z.object({
  battleSchedule: z.object({ action: z.enum(['END', 'EXPIRE', 'FORFEIT']), battleId: z.string().min(1).max(64) }),
});
export type ScheduledBattleEvent = z.infer<typeof scheduledBattleEventSchema>;
/** What a battle schedule does when it fires. */
export type BattleScheduleAction = ScheduledBattleEvent['battleSchedule']['action'];

/** Creates and deletes a battle's schedules. */
export interface BattleSchedules {
  /**
   * Schedules `action` for `battleId` at `atMs` (rounded up to the second, as `at()` takes whole
   * seconds); a repeat is fine. `tag` tells apart schedules of one action (each drop's forfeit).
   */
  create(action: BattleScheduleAction, battleId: string, atMs: number, tag?: string): Promise<void>;
  /** Deletes the schedule if it is still there (it deletes itself once it fired). */
  remove(action: BattleScheduleAction, battleId: string, tag?: string): Promise<void>;
}

/**
 * The schedule's name: one per battle, action and tag, so a repeated create conflicts instead of
 * doubling. At most 64 characters: `battle-forfeit-` (15) + the id (24) + `-` + a short tag.
 */
export function scheduleName(action: BattleScheduleAction, battleId: string, tag?: string): string {
  return `battle-${action.toLowerCase()}-${battleId}${tag ? `-${tag}` : ''}`;
}

/**
 * The forfeit schedule's tag for one drop of one side: the side and its deadline (whole seconds,
 * base 36). A repeated record of the same drop names the same schedule; a later drop another one.
 */
export function forfeitTag(role: 'inviter' | 'invitee', deadlineMs: number): string {
  return `${role === 'inviter' ? 'a' : 'b'}${Math.ceil(deadlineMs / 1000).toString(36)}`;
}

/** `at(yyyy-mm-ddThh:mm:ss)` for the first whole second at or after `atMs` (UTC). */
export function atExpression(atMs: number): string {
  return `at(${new Date(Math.ceil(atMs / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/** Where the schedules live and what they invoke. */
export interface ScheduleTarget {
  /** The schedule group (the stack's `<prefix>-battles`). */
  group: string;
  /** The role the Scheduler assumes to invoke the target. */
  roleArn: string;
  /** The battles function's ARN. */
  targetArn: string;
  /** Where an invocation that failed all its retries goes (the function's dead-letter queue); none locally. */
  deadLetterArn?: string;
}

/** Battle schedules on EventBridge Scheduler. */
export function eventBridgeSchedules(client: SchedulerClient, target: ScheduleTarget): BattleSchedules {
  return {
    async create(action, battleId, atMs, tag) {
      const input: ScheduledBattleEvent = { battleSchedule: { action, battleId } };
      try {
        await client.send(
          new CreateScheduleCommand({
            Name: scheduleName(action, battleId, tag),
            GroupName: target.group,
            ScheduleExpression: atExpression(atMs),
            ScheduleExpressionTimezone: 'UTC',
            FlexibleTimeWindow: { Mode: 'OFF' },
            ActionAfterCompletion: 'DELETE',
            Target: {
              Arn: target.targetArn,
              RoleArn: target.roleArn,
              Input: JSON.stringify(input),
              // Ending is idempotent, so a retried invocation is harmless; a late one still ends the battle.
              RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
              ...(target.deadLetterArn ? { DeadLetterConfig: { Arn: target.deadLetterArn } } : {}),
            },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
      }
    },
    async remove(action, battleId, tag) {
      try {
        await client.send(
          new DeleteScheduleCommand({ Name: scheduleName(action, battleId, tag), GroupName: target.group }),
        );
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    },
  };
}
