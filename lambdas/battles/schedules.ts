/**
 * The one-time EventBridge Scheduler schedules that end a battle at its buzzer and expire an
 * unanswered invitation: `at(...)` in UTC, no flexible window, deleted by the Scheduler after they
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
  battleSchedule: z.object({ action: z.enum(['END', 'EXPIRE']), battleId: z.string().min(1).max(64) }),
});
export type ScheduledBattleEvent = z.infer<typeof scheduledBattleEventSchema>;

/** Creates and deletes a battle's schedules. */
export interface BattleSchedules {
  /** Schedules `action` for `battleId` at `atMs` (rounded up to the second, as `at()` takes whole seconds); a repeat is fine. */
  create(action: 'END' | 'EXPIRE', battleId: string, atMs: number): Promise<void>;
  /** Deletes the schedule if it is still there (it deletes itself once it fired). */
  remove(action: 'END' | 'EXPIRE', battleId: string): Promise<void>;
}

/** The schedule's name: one per battle and action, so a repeated create conflicts instead of doubling. */
export function scheduleName(action: 'END' | 'EXPIRE', battleId: string): string {
  return `battle-${action.toLowerCase()}-${battleId}`;
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
    async create(action, battleId, atMs) {
      const input: ScheduledBattleEvent = { battleSchedule: { action, battleId } };
      try {
        await client.send(
          new CreateScheduleCommand({
            Name: scheduleName(action, battleId),
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
    async remove(action, battleId) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: scheduleName(action, battleId), GroupName: target.group }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    },
  };
}
