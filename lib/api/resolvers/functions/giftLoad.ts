/**
 * sendGift/sendTip step 1: one consistent BatchGetItem of the request's earlier answer, the
 * channel's profile, the broadcaster's earnings account (tier), the caller's ban on the channel
 * and the caller's wallet; then the rules: a retry goes straight to the answer, otherwise the
 * channel must be live and not the caller's own, the caller not banned, and the wallet able to pay
 * (the write's condition restates that, so a concurrent spend still refuses). The plan for the
 * write (event, split, shards come later) goes to the stash.
 */
import { util, type Context, type DynamoDBBatchGetItemRequest } from '@aws-appsync/utils';
import {
  sharePercentFor,
  spendRefusal,
  splitValue,
  coinsToMinor,
  type PricedGift,
} from '../../../../lambdas/shared/domain/economy';
import { idFromUuid } from '../../../../lambdas/shared/domain/ids';
import { banKey, earningsKey, giftRequestKey, profileKey, walletKey } from '../../../../lambdas/shared/domain/keys';
import { failOnError, type Item } from '../lib/commerce';
import { economyOf, refuse } from '../lib/economy';
import { UNAVAILABLE_MESSAGE } from '../lib/errors';
import { giftFingerprint, type GiftPlan } from '../lib/gift-write';

/** How long a gift's answer is kept for retries (TTL): a week. */
const ANSWER_TTL_SECONDS = 7 * 24 * 3600;

/** The sendGift/sendTip pipeline's state in `ctx.stash`, the one contract between its steps. */
export interface GiftStash {
  /** The request (resolver): caller, channel, client id and the priced gift or tip. */
  gift: { me: { sub: string; handle: string }; channelId: string; clientGiftId: string; priced: PricedGift };
  /** The write plan (giftLoad), absent when the request was answered before. */
  plan?: GiftPlan;
  /** An earlier answer exists (giftLoad), or a concurrent retry wrote it first (giftWrite): the writes are skipped. */
  answered?: boolean;
  /** The transaction committed (giftWrite or giftWriteRetry). */
  written?: boolean;
  /** The last attempt lost to concurrent transactions only: the next write step tries again. */
  conflict?: boolean;
  /** The channel's RUNNING battle (its profile's battleId) the gift tries to count for (docs/battles.md). */
  battleId?: string;
  /** The battle refused the gift (ended, or its scores frozen): the next write step sends it without the battle. */
  battleRefused?: boolean;
}

export function request(ctx: Context): DynamoDBBatchGetItemRequest {
  const stash = ctx.stash as GiftStash;
  const g = stash.gift;
  const table = ctx.env.TABLE_NAME as string;
  const keys = [
    giftRequestKey(g.me.sub, g.clientGiftId),
    profileKey(g.channelId),
    earningsKey(g.channelId),
    banKey(g.channelId, g.me.sub),
    walletKey(g.me.sub),
  ];
  return {
    operation: 'BatchGetItem',
    tables: { [table]: { keys: keys.map((k) => util.dynamodb.toMapValues(k)), consistentRead: true } },
  } as unknown as DynamoDBBatchGetItemRequest;
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const stash = ctx.stash as GiftStash;
  const g = stash.gift;
  const table = ctx.env.TABLE_NAME as string;
  const unprocessed =
    ctx.result.unprocessedKeys && ctx.result.unprocessedKeys[table]
      ? (ctx.result.unprocessedKeys[table] as unknown[])
      : [];
  if (unprocessed.length > 0) {
    util.error(UNAVAILABLE_MESSAGE, 'Unavailable', null, { retryable: true });
  }
  const found = ctx.result.data[table] as (Item | null)[];
  const answer = found[0];
  const profile = found[1];
  const account = found[2];
  const ban = found[3];
  const wallet = found[4];
  if (answer) {
    stash.answered = true;
    return null;
  }
  if (g.channelId === g.me.sub) {
    util.error('You cannot send gifts or tips to your own stream.', 'FORBIDDEN');
  }
  if (!profile || profile.status !== 'LIVE' || !profile.currentStreamId) {
    util.error('This channel is not live right now; gifts and tips go to live streams.', 'STREAM_NOT_LIVE');
  }
  if (ban) {
    util.error('You are banned from this channel.', 'FORBIDDEN');
  }
  const p = g.priced;
  const spend = spendRefusal(wallet, p.coins);
  if (spend) refuse(spend, { cost: p.coins, coins: wallet && wallet.coins ? wallet.coins : 0 });

  const economy = economyOf(ctx);
  const sharePercent = sharePercentFor(account ? account.tier : null, economy);
  const nowMs = util.time.nowEpochMilliSeconds();
  stash.plan = {
    clientGiftId: g.clientGiftId,
    fingerprint: giftFingerprint({
      kind: p.kind,
      channelId: g.channelId,
      giftId: p.giftId,
      count: p.count,
      coins: p.coins,
      message: p.message,
    }),
    event: {
      id: idFromUuid('gft', util.autoId()),
      channelId: g.channelId,
      streamId: (profile as Item).currentStreamId,
      kind: p.kind,
      giftId: p.giftId,
      giftName: p.giftName,
      animation: p.animation,
      count: p.count,
      coins: p.coins,
      message: p.message,
      senderId: g.me.sub,
      senderHandle: g.me.handle,
      sentAt: util.time.epochMilliSecondsToISO8601(nowMs),
      big: p.big,
    },
    broadcasterHandle: (profile as Item).handle,
    split: splitValue(coinsToMinor(p.coins, economy.coinValueMinor), sharePercent),
    sharePercent,
    currency: economy.currency,
    answerExpiresAt: Math.floor(nowMs / 1000) + ANSWER_TTL_SECONDS,
  };
  if ((profile as Item).battleId) stash.battleId = (profile as Item).battleId;
  return null;
}
