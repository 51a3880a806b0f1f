/**
 * The one TransactWriteItems that moves a gift's or tip's coins (docs/economy.md), with plain
 * values: the resolver marshals it with util.dynamodb, the gifts bench with the SDK's marshall,
 * so both send the very same transaction. APPSYNC_JS subset, no imports but keys and types.
 *
 * Items, in this order (cancellation reasons come back in the same order):
 * 0. the request's answer under (sender, clientGiftId), only if absent: a retry never charges twice;
 * 1. the sender's wallet, `coins >= cost AND debt = 0`, decremented;
 * 2. the sender's ledger entry (GIFT_SENT / TIP_SENT), which also carries the event the fan-out publishes;
 * 3. the broadcaster's ledger entry (GIFT_RECEIVED / TIP_RECEIVED) with the money earned;
 * 4. one of the broadcaster's earnings shards, 5. one of the stream's revenue shards,
 * 6. the sender's tally on the stream (top gifters), 7. one of the platform revenue shards.
 * The shards spread the hot items (one stream, one broadcaster, the platform) over several items:
 * concurrent transactions on one item conflict, on different items they do not.
 * 8. while the channel is in a RUNNING PK battle (docs/battles.md): one of its side's score
 *    counters, on the condition that the battle still counts this gift (its end not reached when
 *    the server accepted the gift, the scores not frozen): the score is written by the gift itself.
 */
import {
  battleScoreKey,
  earningsShardKey,
  giftRequestKey,
  ledgerKey,
  SK_PREFIX,
  platformRevenueShardKey,
  streamGiftRevenueShardKey,
  topGifterKey,
  walletKey,
} from '../../../../lambdas/shared/domain/keys';
import type { GiftEvent, Split } from '../../../../lambdas/shared/domain/economy';

/** Everything the write needs, decided before it (giftLoad). */
export interface GiftPlan {
  clientGiftId: string;
  /** What the client asked, to tell a retry from a reused id. */
  fingerprint: string;
  event: GiftEvent;
  broadcasterHandle: string;
  split: Split;
  sharePercent: number;
  currency: string;
  /** Epoch seconds after which the answer may be forgotten (TTL). */
  answerExpiresAt: number;
}

/** Shard suffixes of the three sharded items, picked per attempt. */
export interface GiftShards {
  earnings: string;
  streamRevenue: string;
  platformRevenue: string;
}

/** One item of the transaction, values plain (not yet marshalled). */
export interface PlainTransactItem {
  operation: 'PutItem' | 'UpdateItem';
  key: Record<string, string>;
  /** PutItem: the attributes besides the key. */
  attributeValues?: Record<string, unknown>;
  /** UpdateItem: the update expression, its names and values. */
  update?: { expression: string; expressionNames?: Record<string, string>; expressionValues: Record<string, unknown> };
  condition?: {
    expression: string;
    expressionNames?: Record<string, string>;
    expressionValues?: Record<string, unknown>;
    returnValuesOnConditionCheckFailure?: boolean;
  };
}

/** Index of the wallet in the transaction (its cancellation reason tells a short wallet). */
export const WALLET_ITEM = 1;
/** Index of the answer record (its cancellation reason tells a concurrent retry). */
export const ANSWER_ITEM = 0;
/** Index of the battle score counter, when there is one (its cancellation reason: the battle no longer counts gifts). */
export const BATTLE_ITEM = 8;

/** The battle a gift counts for: the channel's side, one of its counters, and when the server accepted the gift. */
export interface GiftBattle {
  battleId: string;
  /** Shard suffix of the side's counter picked for this attempt. */
  shard: string;
  /** Server time (epoch ms) the gift was accepted at: it counts only strictly before the battle's endsAtMs. */
  acceptedAtMs: number;
}

/** The gift's `fingerprint`: a retry must ask the same thing. */
export function giftFingerprint(p: {
  kind: string;
  channelId: string;
  giftId: string | null;
  count: number;
  coins: number;
  message: string | null;
}): string {
  return `${p.kind}|${p.channelId}|${p.giftId ?? ''}|${p.count}|${p.coins}|${p.message ?? ''}`;
}

/** The eight items of a gift's transaction, nine with a battle (see the module comment). */
export function giftTransactItems(plan: GiftPlan, shards: GiftShards, battle?: GiftBattle | null): PlainTransactItem[] {
  const e = battle ? { ...plan.event, battleId: battle.battleId } : plan.event;
  const now = e.sentAt;
  const sent = e.kind === 'TIP' ? 'TIP_SENT' : 'GIFT_SENT';
  const received = e.kind === 'TIP' ? 'TIP_RECEIVED' : 'GIFT_RECEIVED';
  const sender = ledgerKey(e.senderId, now, e.id);
  const broadcaster = ledgerKey(e.channelId, now, e.id);
  const items: PlainTransactItem[] = [
    {
      operation: 'PutItem',
      key: giftRequestKey(e.senderId, plan.clientGiftId),
      attributeValues: {
        type: 'GiftRequest',
        clientGiftId: plan.clientGiftId,
        fingerprint: plan.fingerprint,
        gift: e,
        createdAt: now,
        expiresAt: plan.answerExpiresAt,
      },
      condition: { expression: 'attribute_not_exists(PK)' },
    },
    {
      operation: 'UpdateItem',
      key: walletKey(e.senderId),
      update: {
        expression: 'SET coins = coins - :cost, version = if_not_exists(version, :zero) + :one, updatedAt = :now',
        expressionValues: { ':cost': e.coins, ':zero': 0, ':one': 1, ':now': now },
      },
      condition: {
        expression: 'coins >= :cost AND (attribute_not_exists(debt) OR debt <= :zero)',
        returnValuesOnConditionCheckFailure: true,
      },
    },
    {
      operation: 'PutItem',
      key: sender,
      attributeValues: {
        type: 'LedgerEntry',
        entryId: sender.SK.slice(SK_PREFIX.ledger.length),
        kind: sent,
        coins: -e.coins,
        channelId: e.channelId,
        giftId: e.giftId,
        txId: e.id,
        counterpartyId: e.channelId,
        counterpartyHandle: plan.broadcasterHandle,
        gift: e,
        createdAt: now,
      },
      condition: { expression: 'attribute_not_exists(PK)' },
    },
    {
      operation: 'PutItem',
      key: broadcaster,
      attributeValues: {
        type: 'LedgerEntry',
        entryId: broadcaster.SK.slice(SK_PREFIX.ledger.length),
        kind: received,
        coins: e.coins,
        amount: plan.split.broadcasterMinor,
        currency: plan.currency,
        valueAmount: plan.split.valueMinor,
        sharePercent: plan.sharePercent,
        channelId: e.channelId,
        streamId: e.streamId,
        giftId: e.giftId,
        txId: e.id,
        counterpartyId: e.senderId,
        counterpartyHandle: e.senderHandle,
        createdAt: now,
        ...(battle ? { battleId: battle.battleId } : {}),
      },
      condition: { expression: 'attribute_not_exists(PK)' },
    },
    {
      operation: 'UpdateItem',
      key: earningsShardKey(e.channelId, shards.earnings),
      update: {
        expression: 'ADD earnedMinor :share, coins :coins SET #type = :type, userId = :user, updatedAt = :now',
        expressionNames: { '#type': 'type' },
        expressionValues: {
          ':share': plan.split.broadcasterMinor,
          ':coins': e.coins,
          ':type': 'EarningsShard',
          ':user': e.channelId,
          ':now': now,
        },
      },
    },
    {
      operation: 'UpdateItem',
      key: streamGiftRevenueShardKey(e.streamId, shards.streamRevenue),
      update: {
        expression: 'ADD coins :coins, gifts :one SET #type = :type, channelId = :channel, updatedAt = :now',
        expressionNames: { '#type': 'type' },
        expressionValues: {
          ':coins': e.coins,
          ':one': 1,
          ':type': 'StreamGiftRevenueShard',
          ':channel': e.channelId,
          ':now': now,
        },
      },
    },
    {
      operation: 'UpdateItem',
      key: topGifterKey(e.streamId, e.senderId),
      update: {
        expression: 'ADD coins :coins SET #type = :type, userId = :user, handle = :handle, lastGiftAt = :now',
        expressionNames: { '#type': 'type' },
        expressionValues: {
          ':coins': e.coins,
          ':type': 'StreamGifter',
          ':user': e.senderId,
          ':handle': e.senderHandle,
          ':now': now,
        },
      },
    },
    {
      operation: 'UpdateItem',
      key: platformRevenueShardKey(shards.platformRevenue),
      update: {
        expression:
          'ADD revenueMinor :platform, coins :coins SET #type = :type, currency = :currency, updatedAt = :now',
        expressionNames: { '#type': 'type' },
        expressionValues: {
          ':platform': plan.split.platformMinor,
          ':coins': e.coins,
          ':type': 'PlatformRevenueShard',
          ':currency': plan.currency,
          ':now': now,
        },
      },
    },
  ];
  if (battle) {
    items.push({
      operation: 'UpdateItem',
      key: battleScoreKey(battle.battleId, e.channelId, battle.shard),
      update: {
        expression: 'ADD coins :coins, gifts :one SET updatedAt = :now',
        expressionValues: { ':coins': e.coins, ':one': 1, ':now': now },
      },
      // The counter exists from the start (its endsAtMs set); the rule is domain/battles.ts countsForBattle.
      condition: {
        expression: 'attribute_exists(PK) AND endsAtMs > :acceptedAt AND attribute_not_exists(closedAt)',
        expressionValues: { ':acceptedAt': battle.acceptedAtMs },
      },
    });
  }
  return items;
}
