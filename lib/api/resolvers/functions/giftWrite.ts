/**
 * sendGift/sendTip step 2 (and, re-exported, step 3 giftWriteRetry): the gift's one
 * TransactWriteItems (lib/gift-write.ts), with counter shards picked at random for this attempt.
 * Skipped once answered or written. Refusals it can meet:
 * - the answer record exists: a concurrent retry of the same clientGiftId committed first → giftReceipt answers it;
 * - the wallet's condition: INSUFFICIENT_COINS or COINS_IN_DEBT, told apart by the wallet as it is now;
 * - TransactionConflict only (concurrent transactions on the same items): the next attempt tries
 *   again with other shards; after the last one the caller gets a retryable CONFLICT;
 * - the battle's score counter (the channel is in a PK battle): the battle no longer counts this
 *   gift (accepted at or after endsAt, or the scores frozen), so the next attempt sends it as a
 *   plain gift; when this was the last attempt, giftReceipt asks for a resend, which finds the
 *   battle gone from the profile.
 * The gift's time (sentAt, and a battle's acceptance time) is stamped here, right before the
 * transaction, so the time between the stamp and the commit is one transaction's (docs/battles.md,
 * "The buzzer"); each attempt stamps its own.
 */
import { runtime, util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { battleSettingsFrom } from '../../../../lambdas/shared/domain/battles';
import { shardFromUuid, shardSuffix, spendRefusal } from '../../../../lambdas/shared/domain/economy';
import { cancellationReasons, conflicted, economyOf, failConflict, failTransaction, refuse } from '../lib/economy';
import {
  ANSWER_ITEM,
  BATTLE_ITEM,
  giftTransactItems,
  WALLET_ITEM,
  type GiftBattle,
  type GiftPlan,
} from '../lib/gift-write';
import type { GiftStash } from './giftLoad';

export function request(ctx: Context): DynamoDBTransactWriteItemsRequest {
  const stash = ctx.stash as GiftStash;
  if (stash.answered || stash.written) {
    runtime.earlyReturn(null);
  }
  const economy = economyOf(ctx);
  const table = ctx.env.TABLE_NAME as string;
  const shards = {
    earnings: shardSuffix(shardFromUuid(util.autoId(), economy.shards.earnings)),
    streamRevenue: shardSuffix(shardFromUuid(util.autoId(), economy.shards.streamRevenue)),
    platformRevenue: shardSuffix(shardFromUuid(util.autoId(), economy.shards.platformRevenue)),
  };
  // The server accepts the gift now: its sentAt is this attempt's time, the moment a battle's buzzer is compared with.
  const acceptedAtMs = util.time.nowEpochMilliSeconds();
  const planned = stash.plan as GiftPlan;
  const plan: GiftPlan = {
    ...planned,
    event: { ...planned.event, sentAt: util.time.epochMilliSecondsToISO8601(acceptedAtMs) },
  };
  let battle: GiftBattle | null = null;
  if (stash.battleId && !stash.battleRefused) {
    const settings = battleSettingsFrom(ctx.env.BATTLES as string | undefined);
    battle = {
      battleId: stash.battleId,
      shard: shardSuffix(shardFromUuid(util.autoId(), settings.scoreShards)),
      acceptedAtMs,
    };
  }
  const items = giftTransactItems(plan, shards, battle).map((i) => {
    const out: Record<string, unknown> = { table, operation: i.operation, key: util.dynamodb.toMapValues(i.key) };
    if (i.attributeValues) out.attributeValues = util.dynamodb.toMapValues(i.attributeValues);
    if (i.update) {
      out.update = {
        expression: i.update.expression,
        expressionNames: i.update.expressionNames,
        expressionValues: util.dynamodb.toMapValues(i.update.expressionValues),
      };
    }
    if (i.condition) {
      const c: Record<string, unknown> = { ...i.condition };
      if (i.condition.expressionValues) c.expressionValues = util.dynamodb.toMapValues(i.condition.expressionValues);
      out.condition = c;
    }
    return out;
  });
  return { operation: 'TransactWriteItems', transactItems: items } as unknown as DynamoDBTransactWriteItemsRequest;
}

export function response(ctx: Context): unknown {
  const stash = ctx.stash as GiftStash;
  if (!ctx.error) {
    stash.written = true;
    stash.conflict = false;
    return null;
  }
  const reasons = cancellationReasons(ctx);
  const answer = reasons[ANSWER_ITEM];
  const wallet = reasons[WALLET_ITEM];
  if (answer && answer.type === 'ConditionalCheckFailed') {
    stash.answered = true;
    return null;
  }
  if (wallet && wallet.type === 'ConditionalCheckFailed') {
    const cost = (stash.plan as GiftPlan).event.coins;
    const now = wallet.item ? wallet.item : null;
    const refusal = spendRefusal(now, cost);
    refuse(
      refusal
        ? refusal
        : { code: 'INSUFFICIENT_COINS', message: `This costs ${cost} coins and your wallet holds too few.` },
      {
        cost,
        coins: now && now.coins ? now.coins : 0,
      },
    );
  }
  const battle = reasons[BATTLE_ITEM];
  if (battle && battle.type === 'ConditionalCheckFailed') {
    stash.battleRefused = true;
    return null;
  }
  if (conflicted(reasons)) {
    if (stash.conflict) failConflict('gifts');
    stash.conflict = true;
    return null;
  }
  failTransaction(ctx);
  return null;
}
