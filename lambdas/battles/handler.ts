/**
 * The battles function (docs/battles.md), invoked three ways:
 * - AppSync (Lambda data source): the battle queries and mutations, answered `{ data } | { error }`;
 * - the Main table stream (battles, score counters, profiles in a battle): publishBattle to both
 *   channels on every change, forfeits when a side's stream ends (fanout.ts);
 * - EventBridge Scheduler one-time schedules: the battle's end at its buzzer, an invitation's expiry,
 *   a side's forfeit when its stream did not come back within the reconnect grace.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { cognitoCaller, idArgument, type AppSyncInvokeEvent } from '../shared/appsync-event';
import { ddb } from '../shared/clients';
import { BATTLES_ENV, battleSettingsFrom } from '../shared/domain/battles';
import { ECONOMY_ENV, DEFAULT_ECONOMY_SETTINGS, type EconomySettings } from '../shared/domain/economy';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult, type AppSyncLambdaResult } from '../shared/errors';
import { observability } from '../shared/logger';
import { handleBattleRecords } from './fanout';
import { BattleQueries } from './queries';
import { eventBridgeSchedules, scheduledBattleEventSchema } from './schedules';
import { Battles, type BattleDeps } from './service';

const { logger } = observability('battles');

let deps: BattleDeps | undefined;
function battleDeps(): BattleDeps {
  if (deps) return deps;
  const settings = optionalEnv(ECONOMY_ENV.settings);
  const economy = settings ? (JSON.parse(settings) as EconomySettings) : DEFAULT_ECONOMY_SETTINGS;
  deps = {
    doc: ddb,
    table: requireEnv(ENV.TABLE_NAME),
    settings: battleSettingsFrom(optionalEnv(BATTLES_ENV)),
    economy: { coinValueMinor: economy.coinValueMinor, currency: economy.currency, shards: economy.shards },
    schedules: eventBridgeSchedules(new SchedulerClient({}), {
      group: requireEnv(ENV.BATTLE_SCHEDULE_GROUP),
      roleArn: requireEnv(ENV.BATTLE_SCHEDULER_ROLE_ARN),
      targetArn: requireEnv(ENV.BATTLE_TARGET_ARN),
      deadLetterArn: optionalEnv(ENV.BATTLE_SCHEDULE_DLQ_ARN),
    }),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    warn: (message, details) => logger.warn(message, details),
  };
  return deps;
}

const inviteInput = z.object({
  opponentHandle: z.string().max(64, 'A handle has at most 30 characters.'),
  durationMinutes: z.number().int().nullish(),
});

/** One AppSync field of the battles API. */
export async function resolveField(
  battles: Battles,
  queries: BattleQueries,
  event: AppSyncInvokeEvent,
): Promise<unknown> {
  const args = event.arguments ?? {};
  const field = `${event.info.parentTypeName}.${event.info.fieldName}`;
  // Guests (IAM) read public battle data; everything else needs a signed-in streamer.
  const signedIn = () => cognitoCaller(event.identity).userId;
  const maybeCaller = () => {
    try {
      return cognitoCaller(event.identity).userId;
    } catch {
      return null;
    }
  };
  switch (field) {
    case 'Query.battle':
      return queries.battle(idArgument(args.battleId, 'battleId'));
    case 'Query.currentBattle':
      return queries.currentBattle(idArgument(args.channelId, 'channelId'), maybeCaller());
    case 'Query.battleHistory':
      return queries.history(
        idArgument(args.channelId, 'channelId'),
        args.limit as number | null,
        args.nextToken as string | null,
      );
    case 'Query.myBattleInvitations':
      return queries.myInvitations(signedIn());
    case 'Query.battleCandidates':
      return queries.candidates(signedIn(), args.query as string | null);
    case 'Mutation.inviteToBattle': {
      const me = signedIn();
      const parsed = inviteInput.safeParse(args.input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new DomainError(
          'VALIDATION',
          issue?.path[0] === 'durationMinutes'
            ? 'Choose a battle length of 1 to 10 whole minutes.'
            : (issue?.message ?? 'Check the invitation.'),
          {
            field: String(issue?.path[0] ?? 'input'),
          },
        );
      }
      return battles.invite(me, parsed.data);
    }
    case 'Mutation.respondToBattle':
      return battles.respond(signedIn(), idArgument(args.battleId, 'battleId'), args.accept === true);
    case 'Mutation.cancelBattleInvitation':
      return battles.cancel(signedIn(), idArgument(args.battleId, 'battleId'));
    case 'Mutation.endBattle':
      return battles.end(signedIn(), idArgument(args.battleId, 'battleId'));
    default:
      throw new DomainError('NOT_FOUND', `The battles function does not serve ${field}.`);
  }
}

const isStreamEvent = (e: unknown): e is DynamoDBStreamEvent =>
  Array.isArray((e as { Records?: unknown }).Records) &&
  (e as DynamoDBStreamEvent).Records.every((r) => r.eventSource === 'aws:dynamodb');

/** One invocation of any of the three kinds, with `d` (the tests and the local mode's harnesses pass their own). */
export async function dispatch(
  d: BattleDeps,
  event: unknown,
): Promise<AppSyncLambdaResult<unknown> | DynamoDBBatchResponse | unknown> {
  const battles = new Battles(d);
  if (isStreamEvent(event)) {
    const result = await handleBattleRecords(battles, event.Records, {
      now: d.now,
      onError: (battleId, error) => logger.error('battle fan-out failed', { battleId, error: error as Error }),
    });
    if (result.batchItemFailures.length) logger.warn('records failed', { failed: result.batchItemFailures.length });
    return result;
  }
  const scheduled = scheduledBattleEventSchema.safeParse(event);
  if (scheduled.success) {
    const { action, battleId } = scheduled.data.battleSchedule;
    // A failure throws: the Scheduler retries (both actions are idempotent).
    if (action === 'EXPIRE') return battles.expire(battleId);
    // A forfeit finds out itself whether the side is still away (finish decides from the battle item).
    return battles.finish(battleId, action === 'END' ? 'TIMER' : 'FORFEIT');
  }
  const queries = new BattleQueries(d, battles);
  return toAppSyncResult(
    () => resolveField(battles, queries, event as AppSyncInvokeEvent),
    (error) => logger.error('battles field failed', { error: error as Error }),
  );
}

export const handler = (event: unknown): Promise<unknown> => dispatch(battleDeps(), event);
