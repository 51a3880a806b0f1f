/**
 * The local EventBridge Scheduler (local/scheduler): the SDK's CreateSchedule / GetSchedule /
 * DeleteSchedule work unchanged against it; a one-time schedule invokes its target's function with
 * its Input at its time and is deleted afterwards (ActionAfterCompletion DELETE); a repeated name
 * conflicts; only at() expressions in UTC are served; with IAM on, a create needs iam:PassRole.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atExpression } from '../../../../lambdas/battles/schedules';
import { startLocalScheduler, type LocalScheduler } from '../../../../local/scheduler/index';

const invoked: { name: string; event: unknown; at: number }[] = [];
let scheduler: LocalScheduler;
let client: SchedulerClient;

beforeAll(async () => {
  scheduler = await startLocalScheduler({
    invoke: async (name, event) => {
      invoked.push({ name, event, at: Date.now() });
      return null;
    },
    port: 0,
  });
  client = new SchedulerClient({
    endpoint: scheduler.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
});
afterAll(async () => {
  client.destroy();
  await scheduler.stop();
});

const create = (name: string, atMs: number, expression = atExpression(atMs)) =>
  client.send(
    new CreateScheduleCommand({
      Name: name,
      GroupName: 'g',
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:000000000000:function:local-battles',
        RoleArn: 'arn:aws:iam::000000000000:role/r',
        Input: JSON.stringify({ hello: name }),
      },
    }),
  );

describe('local Scheduler', () => {
  it('fires a one-time schedule at its second with its input, then deletes it', async () => {
    const at = Math.ceil((Date.now() + 1000) / 1000) * 1000;
    const out = await create('one', at);
    expect(out.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/g/one');
    expect((await client.send(new GetScheduleCommand({ Name: 'one', GroupName: 'g' }))).ScheduleExpression).toBe(
      atExpression(at),
    );
    await expect(create('one', at)).rejects.toBeInstanceOf(ConflictException);
    await new Promise((r) => setTimeout(r, at - Date.now() + 200));
    await scheduler.settled();
    expect(invoked).toEqual([{ name: 'battles', event: { hello: 'one' }, at: expect.any(Number) }]);
    expect(invoked[0]?.at).toBeGreaterThanOrEqual(at);
    await expect(client.send(new GetScheduleCommand({ Name: 'one', GroupName: 'g' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('deletes a schedule before it fires; refuses what it does not serve', async () => {
    await create('two', Date.now() + 60_000);
    expect(scheduler.pending()).toContain('g/two');
    await client.send(new DeleteScheduleCommand({ Name: 'two', GroupName: 'g' }));
    expect(scheduler.pending()).not.toContain('g/two');
    await expect(client.send(new DeleteScheduleCommand({ Name: 'two', GroupName: 'g' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(create('three', 0, 'rate(5 minutes)')).rejects.toBeInstanceOf(ValidationException);
  });
});
