/**
 * Coins bought with money (issue 15, "coins in"): the coin packs on sale, and the rules that turn
 * Stripe's payments, refunds and disputes into coin movements on a wallet. Pure: no AWS, no Stripe.
 *
 * A wallet holds `coins` (spendable, never below zero) and `debt` (coins owed after a refund or
 * dispute took back more than the wallet still held). A credit settles debt before it adds coins;
 * a clawback takes what the wallet holds and records the rest as debt.
 */
import { z } from 'zod';
import { isSupportedCurrency } from './currencies';

/** One pack in the shop: `coins` for `amount` minor units of `currency`. */
export const coinPackSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a pack id is 1-40 lowercase letters, digits or dashes'),
  coins: z.number().int().min(1).max(10_000_000),
  /** Price in minor units; Stripe's smallest USD charge is 50 cents. */
  amount: z.number().int().min(50).max(99_999_999),
  currency: z.string().refine(isSupportedCurrency, 'currency must be one the platform sells in (USD, EUR, GBP, JPY)'),
  label: z.string().min(1).max(60),
});

/** A pack as the shop shows it. */
export type CoinPack = z.infer<typeof coinPackSchema>;

export const coinPacksSchema = z
  .array(coinPackSchema)
  .min(1)
  .max(12)
  .refine((packs) => new Set(packs.map((p) => p.id)).size === packs.length, 'pack ids must be unique');

/** The packs a stage sells when its config names none. */
export const DEFAULT_COIN_PACKS: readonly CoinPack[] = [
  { id: 'coins-100', coins: 100, amount: 99, currency: 'USD', label: '100 coins' },
  { id: 'coins-550', coins: 550, amount: 499, currency: 'USD', label: '550 coins (10% bonus)' },
  { id: 'coins-1200', coins: 1200, amount: 999, currency: 'USD', label: '1,200 coins (20% bonus)' },
  { id: 'coins-6500', coins: 6500, amount: 4999, currency: 'USD', label: '6,500 coins (30% bonus)' },
];

/** Stage config `coins`: the packs, and the Secrets Manager secret holding the Stripe keys. */
export const coinsConfigSchema = z.object({
  packs: coinPacksSchema.default([...DEFAULT_COIN_PACKS]),
  /**
   * Name of the Secrets Manager secret (JSON `{ "apiKey": "sk_…", "webhookSecret": "whsec_…" }`)
   * the operator creates before deploying. Absent: the shop says purchases are unavailable.
   */
  stripeSecretName: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,256}$/, 'stripeSecretName must be a Secrets Manager secret name')
    .optional(),
});

export type CoinsConfig = z.infer<typeof coinsConfigSchema>;

/** The secret's value: the API key the checkout uses and the endpoint secret webhooks are signed with. */
export const stripeSecretSchema = z.object({
  apiKey: z
    .string()
    .regex(/^(sk|rk)_[A-Za-z0-9_]+$/, 'apiKey must be a Stripe secret or restricted key (sk_… or rk_…)'),
  webhookSecret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9_+/=]+$/, 'webhookSecret must be a Stripe webhook endpoint secret (whsec_…)'),
});

export type StripeSecret = z.infer<typeof stripeSecretSchema>;

/**
 * Where a purchase stands: OPEN until paid, REFUNDED once its whole amount was refunded or disputed;
 * PROCESSING while a delayed payment (a bank debit) waits for the bank: the checkout completed,
 * no money has arrived and no coins are credited yet; EXPIRED when its checkout closed unpaid,
 * FAILED when its delayed payment failed (neither credits).
 */
export type PurchaseStatus = 'OPEN' | 'PROCESSING' | 'PAID' | 'REFUNDED' | ClosedUnpaid;

/** Every status a purchase can be in. */
export const PURCHASE_STATUSES: readonly PurchaseStatus[] = [
  'OPEN',
  'PROCESSING',
  'PAID',
  'REFUNDED',
  'EXPIRED',
  'FAILED',
];

/** The end states of a checkout that was never paid. */
export type ClosedUnpaid = 'EXPIRED' | 'FAILED';

/**
 * Whether a paid checkout in `status` still gets its coins: one never credited does (OPEN, or
 * closed unpaid: Stripe does not pay an expired or failed session, but a payment it reports as made
 * is never left uncredited, whatever order the events came in).
 */
export function awaitsCredit(status: PurchaseStatus): boolean {
  return status === 'OPEN' || status === 'PROCESSING' || status === 'EXPIRED' || status === 'FAILED';
}

/**
 * The status a checkout moves to on `checkout.session.completed` with the payment still `unpaid`
 * (a delayed payment method): only an OPEN one waits for the bank. Any other status is already
 * further along, whatever order the events came in (the success or the failure arrived first).
 */
export function processingFrom(status: PurchaseStatus): 'PROCESSING' | null {
  return status === 'OPEN' ? 'PROCESSING' : null;
}

/**
 * Whether a checkout in `status` closes as `closed`: an expired session was never completed, so
 * only an OPEN one expires; a delayed payment fails from OPEN (the failure overtook the
 * completion) or PROCESSING. A paid or already closed checkout stays as it is.
 */
export function closesAs(status: PurchaseStatus, closed: ClosedUnpaid): boolean {
  return status === 'OPEN' || (closed === 'FAILED' && status === 'PROCESSING');
}

/** Coins and debt of a wallet (an absent wallet is 0 and 0). */
export interface WalletBalance {
  readonly coins: number;
  readonly debt: number;
}

/**
 * The money taken back from a payment: refunds and disputes cover the same charge, so the larger
 * of the two counts (a refunded charge cannot also be lost in a dispute), never more than it cost.
 * Stripe's `amount_refunded` is cumulative, so replays and reordering give the same answer.
 */
export function reversedAmount(total: number, refunded: number, disputed: number): number {
  return Math.min(total, Math.max(refunded, disputed, 0));
}

/**
 * Coins a reversal of `reversed` (minor units) takes back from a pack of `coins` bought for
 * `total`: in proportion, rounded up, so a buyer never keeps coins for money they got back; a full
 * reversal takes every coin. Integer arithmetic (coins × amount stays below 2^53 within the pack limits).
 */
export function coinsReversed(coins: number, total: number, reversed: number): number {
  if (reversed <= 0 || total <= 0) return 0;
  if (reversed >= total) return coins;
  return Math.ceil((coins * reversed) / total);
}

/** A purchase's status once `reversed` of its `total` has been taken back. */
export function purchaseStatus(total: number, reversed: number): 'PAID' | 'REFUNDED' {
  return reversed >= total ? 'REFUNDED' : 'PAID';
}

/** A credit of `coins`: debt is settled first, the rest becomes spendable coins. */
export function applyCredit(
  wallet: WalletBalance,
  coins: number,
): { settled: number; added: number; after: WalletBalance } {
  const settled = Math.min(wallet.debt, coins);
  const added = coins - settled;
  return { settled, added, after: { coins: wallet.coins + added, debt: wallet.debt - settled } };
}

/** A clawback of `coins`: what the wallet holds is taken, the shortfall becomes debt (never a negative balance). */
export function applyClawback(
  wallet: WalletBalance,
  coins: number,
): { taken: number; owed: number; after: WalletBalance } {
  const taken = Math.min(wallet.coins, coins);
  const owed = coins - taken;
  return { taken, owed, after: { coins: wallet.coins - taken, debt: wallet.debt + owed } };
}

/** The pack with `id`, looked up among the packs' own ids. */
export function findPack(packs: readonly CoinPack[], id: string): CoinPack | undefined {
  return packs.find((p) => p.id === id);
}
