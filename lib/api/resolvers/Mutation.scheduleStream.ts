/**
 * Mutation.scheduleStream: the owner announces a stream (`SCHEDULE#<id>`/`SCHEDULE`; GSI1
 * `SCHEDULED` for the upcoming list, GSI2 `USER#<id>#SCHEDULE` for the profile). Mirrors
 * `scheduleInputSchema` (lambdas/shared/domain/schedule.ts): title 1-140, start in the future and
 * at most 180 days ahead.
 */
import { util, type AppSyncIdentityCognito, type Context, type DynamoDBPutItemRequest } from '@aws-appsync/utils';
import { ownedHandle } from './lib/commerce';
import { callerSub } from './lib/page';
import { failOnError } from './lib/errors';
import { SCHEDULED_PK, scheduleKey, userSchedulePk } from '../../../lambdas/shared/domain/keys';

type Input = { title: string; category?: string | null; startsAt: string };

export function request(ctx: Context<{ input: Input }>): DynamoDBPutItemRequest {
  const me = callerSub(ctx);
  const identity = ctx.identity as AppSyncIdentityCognito;
  const title = ctx.args.input.title.trim();
  if (title.length < 1 || title.length > 140) {
    util.error('A title has 1 to 140 characters', 'VALIDATION', null, { field: 'title' });
  }
  const startsAtMs = util.time.parseISO8601ToEpochMilliSeconds(ctx.args.input.startsAt);
  const nowMs = util.time.nowEpochMilliSeconds();
  if (startsAtMs <= nowMs) {
    util.error('startsAt must be in the future', 'VALIDATION', null, { field: 'startsAt' });
  }
  if (startsAtMs > nowMs + 180 * 24 * 3600 * 1000) {
    util.error('A stream can be scheduled at most 180 days ahead.', 'VALIDATION', null, { field: 'startsAt' });
  }
  const startsAt = util.time.epochMilliSecondsToISO8601(startsAtMs);
  // ULID: 26 Crockford characters; the last 20 keep 80 random bits, as the id format asks.
  const scheduleId = `sch_${util.autoUlid().substring(6)}`;
  const now = util.time.nowISO8601();
  const item: Record<string, unknown> = {
    type: 'ScheduledStream',
    scheduleId,
    userId: me,
    handle: ownedHandle(identity),
    title,
    startsAt,
    cancelled: false,
    GSI1PK: SCHEDULED_PK,
    GSI1SK: startsAt,
    GSI2PK: userSchedulePk(me),
    GSI2SK: startsAt,
    createdAt: now,
    updatedAt: now,
  };
  const category = ctx.args.input.category ? ctx.args.input.category.trim() : '';
  if (category.length > 40) {
    util.error('A category has at most 40 characters.', 'VALIDATION', null, { field: 'category' });
  }
  if (category) item.category = category;
  return {
    operation: 'PutItem',
    key: util.dynamodb.toMapValues(scheduleKey(scheduleId)),
    attributeValues: util.dynamodb.toMapValues(item),
    condition: { expression: 'attribute_not_exists(PK)' },
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return ctx.result;
}
