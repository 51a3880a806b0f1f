/**
 * The creator economy's rules (issue 15, docs/economy.md): gift pricing, the broadcaster/platform
 * split, coins to money, payout thresholds, counter shards, and the stage's economy settings as
 * the API receives them (AppSync environment variables, strings only).
 *
 * Pure and APPSYNC_JS-compatible (resolvers bundle it, the web app may import it): no `Date`, no
 * regex, no classes, no `while`; every amount is an integer (coins, or minor units of `currency`).
 */
import type { GiftEvent as ApiGiftEvent } from '../api-types';

/** A broadcaster's revenue tier, set by a platform admin. */
export type BroadcasterTier = 'STANDARD' | 'PREMIUM';
/** The tiers, in the order the admin page lists them. */
export const BROADCASTER_TIERS: readonly BroadcasterTier[] = ['STANDARD', 'PREMIUM'];

/** One gift of the catalog. */
export interface GiftDefinition {
  /** Stable id the client sends (`rose`). */
  readonly id: string;
  readonly name: string;
  /** Price of one gift, in coins. */
  readonly coins: number;
  /** Animation the web app plays (a name it knows). */
  readonly animation: string;
}

/** The stage's economy settings (lib/config.ts validates them; the API gets them through economyEnvironment). */
export interface EconomySettings {
  /** ISO 4217 currency of earnings and payouts. */
  readonly currency: string;
  /** Value of one coin in minor units of `currency` (1 = one cent per coin for USD). */
  readonly coinValueMinor: number;
  /** Percent of a gift's value a STANDARD broadcaster earns. */
  readonly standardSharePercent: number;
  /** Percent of a gift's value a PREMIUM broadcaster earns. */
  readonly premiumSharePercent: number;
  /** A gift or tip of at least this many coins is "big": the broadcaster gets an in-app notification. */
  readonly bigGiftCoins: number;
  /** Smallest payout a broadcaster may request, in minor units (1000 = $10.00). */
  readonly minimumPayoutMinor: number;
  /** Most gifts of one kind in one sendGift (a combo of 99 roses is one request). */
  readonly maxGiftCount: number;
  /** Largest tip in coins. */
  readonly maxTipCoins: number;
  /** Longest tip message, in characters. */
  readonly maxTipMessageLength: number;
  /** Counter shards of hot items (each write picks one at random; readers sum all of them). */
  readonly shards: { readonly streamRevenue: number; readonly earnings: number; readonly platformRevenue: number };
}

/** Settings plus catalog: what a resolver works with. */
export interface Economy extends EconomySettings {
  readonly gifts: readonly GiftDefinition[];
}

/** The catalog a stage gets when its config names none. */
export const DEFAULT_GIFT_CATALOG: readonly GiftDefinition[] = [
  { id: 'heart', name: 'Heart', coins: 1, animation: 'heart' },
  { id: 'rose', name: 'Rose', coins: 5, animation: 'rose' },
  { id: 'clap', name: 'Applause', coins: 10, animation: 'clap' },
  { id: 'star', name: 'Shooting star', coins: 50, animation: 'star' },
  { id: 'crown', name: 'Crown', coins: 100, animation: 'crown' },
  { id: 'rocket', name: 'Rocket', coins: 500, animation: 'rocket' },
  { id: 'castle', name: 'Castle', coins: 2000, animation: 'castle' },
];

/** Settings a stage gets for what its config leaves out. */
export const DEFAULT_ECONOMY_SETTINGS: EconomySettings = {
  currency: 'USD',
  coinValueMinor: 1,
  standardSharePercent: 50,
  premiumSharePercent: 90,
  bigGiftCoins: 500,
  minimumPayoutMinor: 1000,
  maxGiftCount: 99,
  maxTipCoins: 100000,
  maxTipMessageLength: 140,
  shards: { streamRevenue: 8, earnings: 8, platformRevenue: 16 },
};

/** AppSync environment variable names the economy uses (values are at most 512 characters each). */
export const ECONOMY_ENV = { settings: 'ECONOMY', gifts: 'GIFT_CATALOG' } as const;

/** AppSync's limit on one environment variable's value. */
export const APPSYNC_ENV_VALUE_MAX = 512;

/**
 * The economy as AppSync environment variables: the settings as JSON, the catalog as compact
 * `[id, name, coins, animation]` rows (so a catalog of a dozen gifts fits AppSync's 512 characters).
 */
export function economyEnvironment(economy: Economy): Record<string, string> {
  const settings: EconomySettings = {
    currency: economy.currency,
    coinValueMinor: economy.coinValueMinor,
    standardSharePercent: economy.standardSharePercent,
    premiumSharePercent: economy.premiumSharePercent,
    bigGiftCoins: economy.bigGiftCoins,
    minimumPayoutMinor: economy.minimumPayoutMinor,
    maxGiftCount: economy.maxGiftCount,
    maxTipCoins: economy.maxTipCoins,
    maxTipMessageLength: economy.maxTipMessageLength,
    shards: economy.shards,
  };
  const rows: [string, string, number, string][] = [];
  for (const g of economy.gifts) rows.push([g.id, g.name, g.coins, g.animation]);
  return { [ECONOMY_ENV.settings]: JSON.stringify(settings), [ECONOMY_ENV.gifts]: JSON.stringify(rows) };
}

/**
 * Reads economyEnvironment's variables back (a resolver's `ctx.env`); null when they are missing,
 * a deployment fault the resolver reports (APPSYNC_JS has no `throw`).
 */
export function economyFromEnvironment(env: Record<string, unknown>): Economy | null {
  const settings = env[ECONOMY_ENV.settings];
  const gifts = env[ECONOMY_ENV.gifts];
  if (typeof settings !== 'string' || typeof gifts !== 'string') return null;
  const parsed = JSON.parse(settings) as EconomySettings;
  const rows = JSON.parse(gifts) as [string, string, number, string][];
  return { ...parsed, gifts: rows.map((r) => ({ id: r[0], name: r[1], coins: r[2], animation: r[3] })) };
}

/** Largest integer doubles hold exactly (Number.MAX_SAFE_INTEGER, spelled out for APPSYNC_JS). */
const MAX_WHOLE = 9007199254740991;

/** Whether `n` is a whole number ≥ 0 that arithmetic keeps exact. */
export function isWholeAmount(n: unknown): n is number {
  return typeof n === 'number' && Math.floor(n) === n && n >= 0 && n <= MAX_WHOLE;
}

/** The share percent of a tier (an unknown or missing tier is STANDARD). */
export function sharePercentFor(tier: string | null | undefined, economy: EconomySettings): number {
  return tier === 'PREMIUM' ? economy.premiumSharePercent : economy.standardSharePercent;
}

/** Value of `coins` in minor units of the economy's currency. */
export function coinsToMinor(coins: number, coinValueMinor: number): number {
  return coins * coinValueMinor;
}

/** A gift's value divided between the broadcaster and the platform, in minor units. */
export interface Split {
  readonly valueMinor: number;
  readonly broadcasterMinor: number;
  readonly platformMinor: number;
}

/** Largest value splitValue divides exactly: value × 100 must stay a safe integer. */
export const MAX_SPLIT_VALUE = Math.floor(MAX_WHOLE / 100);

/**
 * Splits `valueMinor` by `sharePercent`: broadcaster = floor(value × percent / 100), platform =
 * the rest, so the two add up to the value exactly (the platform keeps the rounding remainder).
 * Inputs are whole: a value in [0, MAX_SPLIT_VALUE] (the gift and tip limits keep it far below)
 * and a percent in [0, 100], which lib/config.ts validates.
 */
export function splitValue(valueMinor: number, sharePercent: number): Split {
  const scaled = valueMinor * sharePercent;
  // The remainder first, then an exact division: floor(scaled / 100) in floating point can round up near 2^53.
  const broadcasterMinor = (scaled - (scaled % 100)) / 100;
  return { valueMinor, broadcasterMinor, platformMinor: valueMinor - broadcasterMinor };
}

/** A typed refusal: the API's errorType and a sentence for the person. */
export interface EconomyRefusal {
  readonly code:
    'VALIDATION' | 'INSUFFICIENT_COINS' | 'COINS_IN_DEBT' | 'STREAM_NOT_LIVE' | 'BELOW_MINIMUM_PAYOUT' | 'FORBIDDEN';
  readonly message: string;
  /** The input field at fault (VALIDATION). */
  readonly field?: string;
}

/** What one gift or tip request costs and carries, once accepted by the rules. */
export interface PricedGift {
  readonly kind: 'GIFT' | 'TIP';
  readonly giftId: string | null;
  readonly giftName: string | null;
  readonly animation: string | null;
  readonly count: number;
  readonly coins: number;
  readonly message: string | null;
  readonly big: boolean;
}

/**
 * An accepted gift or tip as every viewer sees it: the API's GiftEvent (lambdas/shared/api-types.ts,
 * generated from the schema); the sender's ledger entry holds it for the fan-out.
 */
export type GiftEvent = Omit<ApiGiftEvent, 'battleId'> & {
  /** The PK battle the gift counted for (set by the gift's transaction when it added to a side's score). */
  battleId?: string | null;
};

/** The gift of the catalog with this id, or null. */
export function findGift(gifts: readonly GiftDefinition[], giftId: string): GiftDefinition | null {
  for (const g of gifts) if (g.id === giftId) return g;
  return null;
}

const refuse = (code: EconomyRefusal['code'], message: string, field?: string): EconomyRefusal =>
  field ? { code, message, field } : { code, message };

/** Prices `count` of gift `giftId`, or refuses the request. */
export function priceGift(economy: Economy, giftId: string, count: number): PricedGift | EconomyRefusal {
  const gift = findGift(economy.gifts, giftId);
  if (!gift) return refuse('VALIDATION', 'That gift is not in the catalog.', 'giftId');
  if (!isWholeAmount(count) || count < 1 || count > economy.maxGiftCount) {
    return refuse('VALIDATION', `Send between 1 and ${economy.maxGiftCount} gifts at a time.`, 'count');
  }
  const coins = gift.coins * count;
  return {
    kind: 'GIFT',
    giftId: gift.id,
    giftName: gift.name,
    animation: gift.animation,
    count,
    coins,
    message: null,
    big: coins >= economy.bigGiftCoins,
  };
}

/** Prices a tip of `coins` with an optional message (trimmed; empty means none), or refuses it. */
export function priceTip(
  economy: Economy,
  coins: number,
  message: string | null | undefined,
): PricedGift | EconomyRefusal {
  if (!isWholeAmount(coins) || coins < 1 || coins > economy.maxTipCoins) {
    return refuse('VALIDATION', `A tip is between 1 and ${economy.maxTipCoins} coins.`, 'coins');
  }
  const text = message ? message.trim() : '';
  if (text.length > economy.maxTipMessageLength) {
    return refuse('VALIDATION', `A tip message is at most ${economy.maxTipMessageLength} characters.`, 'message');
  }
  return {
    kind: 'TIP',
    giftId: null,
    giftName: null,
    animation: null,
    count: 1,
    coins,
    message: text ? text : null,
    big: coins >= economy.bigGiftCoins,
  };
}

/** Whether a pricing result is a refusal. */
export function isRefusal(x: PricedGift | EconomyRefusal): x is EconomyRefusal {
  return (x as EconomyRefusal).code !== undefined;
}

/** The wallet fields the spending rule reads (an absent wallet is 0 coins, 0 debt). */
export interface WalletState {
  readonly coins?: number | null;
  readonly debt?: number | null;
}

/** Why a wallet cannot pay `cost` coins now, or null when it can (the write's condition restates this rule). */
export function spendRefusal(wallet: WalletState | null | undefined, cost: number): EconomyRefusal | null {
  const coins = wallet && wallet.coins ? wallet.coins : 0;
  const debt = wallet && wallet.debt ? wallet.debt : 0;
  if (debt > 0) {
    return refuse(
      'COINS_IN_DEBT',
      `Your wallet owes ${debt} coins from a refunded purchase; gifts and tips are paused until that is settled.`,
    );
  }
  if (coins < cost) return refuse('INSUFFICIENT_COINS', `This costs ${cost} coins and your wallet holds ${coins}.`);
  return null;
}

/** A broadcaster's earnings, all in minor units. */
export interface EarningsBalance {
  /** Everything ever earned (the sum of the earnings shards). */
  readonly earnedMinor: number;
  /** Held by payout requests not yet decided. */
  readonly reservedMinor: number;
  /** Paid out. */
  readonly paidMinor: number;
}

/** What may be requested now: earned minus reserved minus paid, never below zero. */
export function availableMinor(b: EarningsBalance): number {
  const available = b.earnedMinor - b.reservedMinor - b.paidMinor;
  return available > 0 ? available : 0;
}

/** Why a payout of the whole available balance cannot be requested, or null. */
export function payoutRefusal(available: number, minimumPayoutMinor: number, currency: string): EconomyRefusal | null {
  if (available < minimumPayoutMinor) {
    return refuse(
      'BELOW_MINIMUM_PAYOUT',
      `Payouts start at ${formatMinor(minimumPayoutMinor, currency)}; you have ${formatMinor(available, currency)} available.`,
    );
  }
  return null;
}

/** Minor units as text for sentences: `$10.00` for USD, `12.50 EUR` for others (two-decimal currencies). */
export function formatMinor(amount: number, currency: string): string {
  const whole = Math.floor(amount / 100);
  const cents = amount % 100;
  const text = `${whole}.${cents < 10 ? '0' : ''}${cents}`;
  return currency === 'USD' ? `$${text}` : `${text} ${currency}`;
}

const HEX = '0123456789abcdef';

/**
 * A counter shard in [0, shards) from a random uuid (APPSYNC_JS has util.autoId(), not
 * Math.random): its first four hex digits, modulo the shard count.
 */
export function shardFromUuid(uuid: string, shards: number): number {
  let n = 0;
  for (const ch of uuid.slice(0, 4).toLowerCase().split('')) {
    const digit = HEX.indexOf(ch);
    n = n * 16 + (digit < 0 ? 0 : digit);
  }
  return shards > 1 ? n % shards : 0;
}

/** A shard number as its two-digit sort-key suffix (`07`); keys.ts builds the keys. */
export function shardSuffix(shard: number): string {
  return shard < 10 ? `0${shard}` : `${shard}`;
}

/** One gifter's tally on a stream. */
export interface GifterTally {
  readonly userId: string;
  readonly handle: string;
  readonly coins: number;
}

/** Whether tally `a` ranks above `b`: more coins, or as many and reached first (earlier `reachedAt`). */
function ranksAbove(a: GifterTally & { reachedAt?: string }, b: GifterTally & { reachedAt?: string }): boolean {
  if (a.coins !== b.coins) return a.coins > b.coins;
  return (a.reachedAt ? a.reachedAt : '') < (b.reachedAt ? b.reachedAt : '');
}

/**
 * The `limit` biggest gifters, most coins first; equal coins rank the one who got there first
 * higher. An insertion into a short list (APPSYNC_JS has no Array.sort with a comparator).
 */
export function topGifters<T extends GifterTally & { reachedAt?: string }>(tallies: readonly T[], limit: number): T[] {
  let top: T[] = [];
  for (const t of tallies) {
    const last = top[top.length - 1];
    if (top.length < limit || (last && ranksAbove(t, last))) {
      const next: T[] = [];
      let placed = false;
      for (const x of top) {
        if (!placed && ranksAbove(t, x)) {
          next.push(t);
          placed = true;
        }
        next.push(x);
      }
      if (!placed) next.push(t);
      top = next.slice(0, limit);
    }
  }
  return top;
}

/** Payout states; every change is recorded. */
export type PayoutStatus = 'REQUESTED' | 'PAID' | 'REJECTED';

/** Whether an admin may move a payout in `status` to a decision (only undecided payouts are decided, once). */
export function canDecidePayout(status: string): boolean {
  return status === 'REQUESTED';
}

/** Ledger entry kinds (contract: one entry per movement on an account). */
export const LEDGER_KINDS = [
  'PURCHASE',
  'REFUND',
  'GIFT_SENT',
  'TIP_SENT',
  'GIFT_RECEIVED',
  'TIP_RECEIVED',
  'PAYOUT_REQUESTED',
  'PAYOUT_REJECTED',
  'PAYOUT_PAID',
  'BATTLE_BONUS',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** The group whose members administer tiers and payouts (Cognito group, `ctx.identity.groups`). */
export const ADMINS_GROUP = 'admins';

/** Whether a caller's groups (AppSync `identity.groups`, null for none) include the admins group. */
export function isAdmin(groups: readonly string[] | null | undefined): boolean {
  if (!groups) return false;
  for (const g of groups) if (g === ADMINS_GROUP) return true;
  return false;
}
