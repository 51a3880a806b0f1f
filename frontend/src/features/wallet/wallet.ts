import { formatMoney } from '../../lib/format';
import type { CoinPurchaseStatus } from '../../lib/graphql/schema-types';
import type { Earnings, GiftDefinition, LedgerEntry, Payout, Wallet } from '../../lib/types';

/**
 * Window event carrying the signed-in user's wallet after anything that changed it (a gift, a tip,
 * a purchase landing), so the header's balance follows without asking the server again.
 */
export const WALLET_EVENT = 'bidstream:wallet';

/** Tells every island on the page the wallet's new state. */
export function announceWallet(wallet: Wallet): void {
  dispatchEvent(new CustomEvent<Wallet>(WALLET_EVENT, { detail: wallet }));
}

/** Listens for {@link announceWallet}; returns the function that stops listening. */
export function onWallet(handler: (wallet: Wallet) => void): () => void {
  const listener = (e: Event) => handler((e as CustomEvent<Wallet>).detail);
  addEventListener(WALLET_EVENT, listener);
  return () => removeEventListener(WALLET_EVENT, listener);
}

/** A coin purchase as the wallet page lists it (schema block `# coins`). */
export interface CoinPurchase {
  sessionId: string;
  packId: string;
  coins: number;
  amount: number;
  currency: string;
  status: CoinPurchaseStatus;
  /** Money refunded or disputed so far (minor units). */
  refundedAmount?: number;
  createdAt: string;
}

/** What the wallet says while a bank debit waits for the bank (the purchase row, the return banner, the balance). */
export const PROCESSING_SENTENCE = 'Payment processing — coins arrive when your bank confirms';

/**
 * A purchase's status for its row: paid, partly refunded (how much), refunded, processing (a bank
 * debit the bank has not confirmed), expired, failed, or not paid (checkout left open).
 */
export function purchaseStatusText(p: Pick<CoinPurchase, 'status' | 'refundedAmount' | 'currency'>): string {
  if (p.status === 'REFUNDED') return 'Refunded';
  if (p.status === 'PROCESSING') return PROCESSING_SENTENCE;
  if (p.status === 'OPEN') return 'Not paid';
  if (p.status === 'EXPIRED') return 'Expired: not charged';
  if (p.status === 'FAILED') return 'Payment failed: not charged';
  return p.refundedAmount ? `Paid, ${formatMoney(p.refundedAmount, p.currency)} refunded` : 'Paid';
}

/** After this long without the credit, the return page says it is taking longer than usual. */
export const CHECKOUT_SLOW_MS = 30_000;

/** Where a checkout the user came back from stands. */
export type CheckoutView =
  | { state: 'added'; coins: number }
  | { state: 'waiting' }
  | { state: 'slow' }
  | { state: 'refunded'; coins: number }
  /** Paid by bank debit: the coins arrive when the bank confirms (days, not seconds), so the page keeps asking, slowly. */
  | { state: 'processing'; coins: number }
  /** The checkout closed unpaid: it expired, or its delayed payment failed. Nothing was charged. */
  | { state: 'expired' }
  | { state: 'failed' };

/**
 * The banner on /wallet?checkout=<sessionId>: "Coins added" once the webhook has credited the
 * purchase, waiting until then (the payment page returns before the payment provider calls the
 * webhook), and after {@link CHECKOUT_SLOW_MS} a sentence that it is late but not lost; a bank
 * debit waiting for the bank says so (no coins yet, never "late"); a checkout that closed unpaid
 * says so (the page stops waiting).
 */
export function checkoutView(purchase: CoinPurchase | undefined, waitedMs: number): CheckoutView {
  if (purchase?.status === 'PAID') return { state: 'added', coins: purchase.coins };
  if (purchase?.status === 'REFUNDED') return { state: 'refunded', coins: purchase.coins };
  if (purchase?.status === 'EXPIRED') return { state: 'expired' };
  if (purchase?.status === 'FAILED') return { state: 'failed' };
  if (purchase?.status === 'PROCESSING') return { state: 'processing', coins: purchase.coins };
  return waitedMs >= CHECKOUT_SLOW_MS ? { state: 'slow' } : { state: 'waiting' };
}

/** Whether the return page has its answer and stops asking. */
export function checkoutSettled(view: CheckoutView): boolean {
  return view.state !== 'waiting' && view.state !== 'slow' && view.state !== 'processing';
}

/**
 * The wallet page's poll interval while a returned checkout waits for its credit: quick at first,
 * then slower; a bank debit the bank is still confirming is asked about every 30 seconds at most.
 */
export function checkoutPollDelay(waitedMs: number, view?: CheckoutView): number {
  if (view?.state === 'processing') return waitedMs < 60_000 ? 3_000 : 30_000;
  return waitedMs < 20_000 ? 1_000 : waitedMs < 120_000 ? 5_000 : 30_000;
}

/** Coins bought and paid for but not credited yet: the purchases whose bank debit is processing. */
export function pendingCoins(purchases: readonly Pick<CoinPurchase, 'status' | 'coins'>[]): number {
  return purchases.filter((p) => p.status === 'PROCESSING').reduce((sum, p) => sum + p.coins, 0);
}

/** Why a payout cannot be requested now, or null when it can. */
export function payoutBlock(e: Pick<Earnings, 'availableAmount' | 'minimumPayoutAmount' | 'currency'>): string | null {
  if (e.availableAmount >= e.minimumPayoutAmount) return null;
  return `Payouts start at ${formatMoney(e.minimumPayoutAmount, e.currency)}: you have ${formatMoney(e.availableAmount, e.currency)} available.`;
}

/** "Standard: you keep 50% of every gift". */
export function tierSentence(e: Pick<Earnings, 'tier' | 'sharePercent'>): string {
  return `${e.tier === 'PREMIUM' ? 'Premium' : 'Standard'}: you keep ${e.sharePercent}% of every gift and tip.`;
}

/** Ledger kinds that move the wallet's coins (the wallet page); the others are earnings (Studio). */
export const WALLET_KINDS: readonly LedgerEntry['kind'][] = ['PURCHASE', 'REFUND', 'GIFT_SENT', 'TIP_SENT'];
/** Ledger kinds of a broadcaster's earnings and payouts. */
export const EARNINGS_KINDS: readonly LedgerEntry['kind'][] = [
  'GIFT_RECEIVED',
  'TIP_RECEIVED',
  'BATTLE_BONUS',
  'PAYOUT_REQUESTED',
  'PAYOUT_REJECTED',
  'PAYOUT_PAID',
];

/** A ledger entry as a row: what happened, the coins (signed), the money. */
export function ledgerLine(
  e: LedgerEntry,
  gifts: readonly Pick<GiftDefinition, 'id' | 'name'>[] = [],
): { what: string; coins: string; money: string } {
  const who = e.counterpartyHandle ? `@${e.counterpartyHandle}` : 'a viewer';
  const giftName = gifts.find((g) => g.id === e.giftId)?.name ?? 'a gift';
  const what: Record<LedgerEntry['kind'], string> = {
    PURCHASE: 'Bought coins',
    REFUND: 'Purchase refunded: coins taken back',
    GIFT_SENT: `Sent ${giftName} to ${e.counterpartyHandle ? `@${e.counterpartyHandle}` : 'a streamer'}`,
    TIP_SENT: `Tipped ${e.counterpartyHandle ? `@${e.counterpartyHandle}` : 'a streamer'}`,
    GIFT_RECEIVED: `${giftName === 'a gift' ? 'A gift' : giftName} from ${who}`,
    TIP_RECEIVED: `Tip from ${who}`,
    PAYOUT_REQUESTED: 'Payout requested: amount reserved',
    PAYOUT_REJECTED: 'Payout rejected: amount available again',
    PAYOUT_PAID: 'Payout paid',
    BATTLE_BONUS: `PK battle bonus: you beat ${e.counterpartyHandle ? `@${e.counterpartyHandle}` : 'your opponent'}`,
  };
  const coins = e.coins === 0 ? '' : `${e.coins > 0 ? '+' : '−'}${Math.abs(e.coins).toLocaleString('en-US')}`;
  const money = e.amount != null && e.currency ? formatMoney(e.amount, e.currency) : '';
  return { what: what[e.kind] ?? e.kind, coins, money };
}

/** A payout's state in a sentence, with the rejection reason. */
export function payoutStatusText(p: Pick<Payout, 'status' | 'reason' | 'decidedAt'>): string {
  if (p.status === 'PAID') return 'Paid';
  if (p.status === 'REJECTED') return p.reason ? `Rejected: ${p.reason}` : 'Rejected';
  return 'Requested: waiting for an admin';
}

/** The reason an admin gives for rejecting a payout: required, so the broadcaster learns why. */
export function rejectReasonError(reason: string): string | null {
  const r = reason.trim();
  if (r.length < 3) return 'Say why, so the broadcaster knows what to fix (at least 3 characters).';
  if (r.length > 280) return `Keep the reason to 280 characters (it has ${r.length}).`;
  return null;
}

/** Handles as the platform makes them (features/auth/auth.ts handleError): an admin types one with or without "@". */
export function normalizeHandle(text: string): string {
  return text.trim().replace(/^@/, '').toLowerCase();
}

/** Ledger pages merged: each entry once, newest first. */
export function mergeLedger(a: readonly LedgerEntry[], b: readonly LedgerEntry[]): LedgerEntry[] {
  const byId = new Map<string, LedgerEntry>();
  for (const e of [...a, ...b]) if (!byId.has(e.entryId)) byId.set(e.entryId, e);
  return [...byId.values()].sort((x, y) => Date.parse(y.createdAt) - Date.parse(x.createdAt));
}
