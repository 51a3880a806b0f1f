/**
 * The battles' one-time schedules (lambdas/battles/schedules.ts): `at()` in UTC rounded up to the
 * second, no flexible window, deleted after completion, the battles function as target through the
 * scheduler role; a repeated create and a delete of a fired schedule are not errors.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  atExpression,
  eventBridgeSchedules,
  forfeitTag,
  scheduledBattleEventSchema,
  scheduleName,
} from '../../../../lambdas/battles/schedules';
import { atTime } from '../../../../local/scheduler/index';

const client = new SchedulerClient({ region: 'us-east-1' });
const scheduler = mockClient(client);
const target = {
  group: 'lvs-dev-battles',
  roleArn: 'arn:aws:iam::1:role/lvs-dev-battles-scheduler',
  targetArn: 'arn:aws:lambda:us-east-1:1:function:lvs-dev-battles',
};

beforeEach(() => scheduler.reset());

describe('battle schedules', () => {
  it('fire at the first whole second at or after the time (at() takes seconds), in UTC', () => {
    expect(atExpression(Date.parse('2026-12-03T01:05:00.000Z'))).toBe('at(2026-12-03T01:05:00)');
    expect(atExpression(Date.parse('2026-12-03T01:05:00.001Z'))).toBe('at(2026-12-03T01:05:01)');
    expect(atTime(atExpression(Date.parse('2026-12-03T23:59:59.500Z')))).toBe(Date.parse('2026-12-04T00:00:00.000Z'));
    expect(atTime('rate(5 minutes)')).toBeUndefined();
  });

  it('creates a one-time schedule deleted after use, targeting the battles function with its action', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await eventBridgeSchedules(client, target).create('END', 'btl_1', Date.parse('2026-12-03T01:05:01.500Z'));
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: 'battle-end-btl_1',
      GroupName: 'lvs-dev-battles',
      ScheduleExpression: 'at(2026-12-03T01:05:02)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: expect.objectContaining({
        Arn: target.targetArn,
        RoleArn: target.roleArn,
        Input: JSON.stringify({ battleSchedule: { action: 'END', battleId: 'btl_1' } }),
      }),
    });
    const input = JSON.parse(
      scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input.Target?.Input as string,
    ) as unknown;
    expect(scheduledBattleEventSchema.parse(input)).toEqual({ battleSchedule: { action: 'END', battleId: 'btl_1' } });
  });

  it('takes an existing schedule as created and a missing one as deleted; other errors surface', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ Message: 'exists', message: 'exists', $metadata: {} }));
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(new ResourceNotFoundException({ Message: 'gone', message: 'gone', $metadata: {} }));
    const s = eventBridgeSchedules(client, target);
    await expect(s.create('EXPIRE', 'btl_2', Date.now())).resolves.toBeUndefined();
    await expect(s.remove('EXPIRE', 'btl_2')).resolves.toBeUndefined();
    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, {
      Name: scheduleName('EXPIRE', 'btl_2'),
      GroupName: 'lvs-dev-battles',
    });
    scheduler.on(DeleteScheduleCommand).rejects(new Error('throttled'));
    await expect(s.remove('END', 'btl_2')).rejects.toThrow('throttled');
  });

  it("names each drop's forfeit schedule apart (side and deadline), within the Scheduler's 64 characters", async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    scheduler.on(DeleteScheduleCommand).resolves({});
    const id = 'btl_7M2Q9XK4D1HZC0B8TNVW';
    const deadline = Date.parse('2026-12-03T01:05:30.200Z');
    const tag = forfeitTag('invitee', deadline);
    expect(tag).toBe(`b${(Date.parse('2026-12-03T01:05:31.000Z') / 1000).toString(36)}`);
    expect(forfeitTag('inviter', deadline)).not.toBe(tag);
    expect(forfeitTag('invitee', deadline + 60_000)).not.toBe(tag);
    const name = scheduleName('FORFEIT', id, tag);
    expect(name).toBe(`battle-forfeit-${id}-${tag}`);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[0-9a-zA-Z\-_.]+$/);
    const s = eventBridgeSchedules(client, target);
    await s.create('FORFEIT', id, deadline, tag);
    await s.remove('FORFEIT', id, tag);
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: name,
      ScheduleExpression: 'at(2026-12-03T01:05:31)',
      Target: expect.objectContaining({
        Input: JSON.stringify({ battleSchedule: { action: 'FORFEIT', battleId: id } }),
      }),
    });
    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, { Name: name, GroupName: target.group });
  });
});
