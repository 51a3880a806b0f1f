/**
 * Shared pieces of the economy resolvers (APPSYNC_JS subset): the stage's economy from the API's
 * environment, the admin check, typed refusals, and the GraphQL views of wallet, earnings, ledger
 * and payout items. Rules come from lambdas/shared/domain/economy.ts (bundled).
 */
import { util, type AppSyncIdentityCognito, type Context } from '@aws-appsync/utils';
import {
  availableMinor,
  economyFromEnvironment,
  isAdmin,
  isRefusal,
  sharePercentFor,
  type Economy,
  type EconomyRefusal,
  type PricedGift,
} from '../../../../lambdas/shared/domain/economy';
import { SK_PREFIX } from '../../../../lambdas/shared/domain/keys';
import type { GiftStash } from '../functions/giftLoad';
import { requireUser, type Item } from './commerce';
import { failOnError, UNAVAILABLE_MESSAGE } from './errors';

/** The stage's economy (AppSync environment variables ECONOMY and GIFT_CATALOG). */
export function economyOf(ctx: Context): Economy {
  const economy = economyFromEnvironment(ctx.env as Record<string, unknown>);
  if (!economy) {
    util.error('Gifts and payouts are not configured on this deployment.', 'InternalFailure');
  }
  return economy as Economy;
}

/** Fails the field with a domain refusal: its code as errorType, its sentence, the field at fault. */
export function refuse(refusal: EconomyRefusal, info?: Record<string, unknown>): void {
  const errorInfo: Record<string, unknown> = info ? { ...info } : {};
  if (refusal.field) errorInfo.field = refusal.field;
  util.error(refusal.message, refusal.code, null, errorInfo);
}

/** The signed-in caller if they are in the `admins` group; FORBIDDEN for any other user (guests are refused by AppSync's auth first). */
export function requireAdmin(ctx: Context): { sub: string; handle: string } {
  const me = requireUser(ctx);
  const identity = ctx.identity as AppSyncIdentityCognito;
  if (!isAdmin(identity.groups as string[] | null)) {
    util.error('Only platform admins may do this.', 'FORBIDDEN');
  }
  return me;
}

/** An id the client made up (clientGiftId, clientRequestId): 1-64 characters. */
export function requireClientId(value: string | null | undefined, field: string): string {
  const id = value ? value.trim() : '';
  if (!id || id.length > 64) {
    util.error(
      `This request has no valid id (${field} must be 1 to 64 characters); reload the page and try again.`,
      'VALIDATION',
      null,
      { field },
    );
  }
  return id;
}

/**
 * The request step sendGift and sendTip share: the signed-in caller, a valid client id, the gift or
 * tip priced by `price` (or refused), all put into the stash for their common pipeline
 * (giftLoad → giftWrite → giftWriteRetry → giftReceipt; the stash contract is GiftStash there).
 * Checked in this order, so a guest hears UNAUTHORIZED before anything about the request.
 */
export function startGift(
  ctx: Context,
  input: { channelId: string; clientGiftId: string },
  price: (economy: Economy) => PricedGift | EconomyRefusal,
): Record<string, never> {
  const me = requireUser(ctx);
  const clientGiftId = requireClientId(input.clientGiftId, 'clientGiftId');
  const priced = price(economyOf(ctx));
  if (isRefusal(priced)) refuse(priced);
  (ctx.stash as GiftStash).gift = { me, channelId: input.channelId, clientGiftId, priced: priced as PricedGift };
  return {};
}

/** The wallet item as the Wallet type (absent: 0 coins, 0 debt). */
export function walletView(item: Item | null | undefined): { coins: number; debt: number } {
  return { coins: item && item.coins ? item.coins : 0, debt: item && item.debt ? item.debt : 0 };
}

/** Sums of a broadcaster's earnings items (the `EARNINGS` account and its `EARNINGS#<n>` shards). */
export function earningsTotals(items: Item[]): { account: Item | null; earnedMinor: number; coins: number } {
  let account: Item | null = null;
  let earnedMinor = 0;
  let coins = 0;
  for (const item of items) {
    if (item.SK === SK_PREFIX.earnings) {
      account = item;
    } else {
      earnedMinor = earnedMinor + (item.earnedMinor ? item.earnedMinor : 0);
      coins = coins + (item.coins ? item.coins : 0);
    }
  }
  return { account, earnedMinor, coins };
}

/** A broadcaster's earnings items as the Earnings type. */
export function earningsView(userId: string, items: Item[], economy: Economy): Record<string, unknown> {
  const totals = earningsTotals(items);
  const account: Item = totals.account ? totals.account : {};
  const reservedMinor = account.reservedMinor ? account.reservedMinor : 0;
  const paidMinor = account.paidMinor ? account.paidMinor : 0;
  const tier = account.tier === 'PREMIUM' ? 'PREMIUM' : 'STANDARD';
  return {
    userId,
    tier,
    sharePercent: sharePercentFor(tier, economy),
    availableAmount: availableMinor({ earnedMinor: totals.earnedMinor, reservedMinor, paidMinor }),
    reservedAmount: reservedMinor,
    paidAmount: paidMinor,
    currency: economy.currency,
    minimumPayoutAmount: economy.minimumPayoutMinor,
    lifetimeCoins: totals.coins,
  };
}

/** A ledger item as the LedgerEntry type (entries other writers make, e.g. PURCHASE, lack some fields). */
export function ledgerView(item: Item): Record<string, unknown> {
  const sk = item.SK as string;
  return {
    entryId: item.entryId ? item.entryId : sk.slice(SK_PREFIX.ledger.length),
    kind: item.kind,
    coins: item.coins ? item.coins : 0,
    amount: item.amount ?? null,
    currency: item.currency ?? null,
    channelId: item.channelId ?? null,
    giftId: item.giftId ?? null,
    payoutId: item.payoutId ?? null,
    counterpartyHandle: item.counterpartyHandle ?? null,
    createdAt: item.createdAt,
  };
}

/** A payout item as the Payout type. */
export function payoutView(item: Item): Record<string, unknown> {
  return {
    payoutId: item.payoutId,
    userId: item.userId,
    handle: item.handle,
    amount: item.amountMinor,
    currency: item.currency,
    status: item.status,
    requestedAt: item.requestedAt,
    decidedAt: item.decidedAt ?? null,
    reason: item.reason ?? null,
    history: item.history ? item.history : [],
  };
}

/** The cancellation reasons of a failed TransactWriteItems (empty for other failures). */
export function cancellationReasons(ctx: Context): { type: string; item?: Item }[] {
  return (ctx.result && ctx.result.cancellationReasons ? ctx.result.cancellationReasons : []) as {
    type: string;
    item?: Item;
  }[];
}

/** Whether a cancelled transaction lost only to concurrent transactions on its items (a retry may pass). */
export function conflicted(reasons: { type: string }[]): boolean {
  return reasons.some((r) => r.type === 'TransactionConflict');
}

/** What a caller is told when a write lost to concurrent writes too often: send it again (same client id). */
export function failConflict(what: string): void {
  util.error(`Many ${what} are arriving at once; send it again.`, 'CONFLICT', null, { retryable: true });
}

/** Cancellation reasons that mean DynamoDB could not serve the transaction just now (a retry may pass). */
const THROTTLED = ['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded'];

/** Fails a cancelled transaction the resolver did not answer itself: throttling is a retryable Unavailable, the rest as lib/errors.ts says. */
export function failTransaction(ctx: Context): void {
  if (cancellationReasons(ctx).some((r) => THROTTLED.indexOf(r.type) >= 0)) {
    util.error(UNAVAILABLE_MESSAGE, 'Unavailable', null, { retryable: true });
  }
  failOnError(ctx);
}
