import { DEFAULT_ECONOMY_SETTINGS } from '../../../../lambdas/shared/domain/economy';
import type { GiftDefinition, GiftEvent, TopGifter, Wallet } from '../../lib/types';

/** The top gifters list holds this many. */
export const TOP_GIFTERS = 10;

/** "1 coin", "1,250 coins": exact (coins are money), never "1.2K". */
export function formatCoins(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'coin' : 'coins'}`;
}

/**
 * Adds a gift the page just saw to the stream's top gifters, highest first (ties: who got there
 * first keeps the place), at most `limit`. A sender not in the list enters with this gift's coins;
 * the server's list (refetched soon after) knows their whole total.
 */
export function addToTopGifters(
  list: readonly TopGifter[],
  gift: Pick<GiftEvent, 'senderId' | 'senderHandle' | 'coins'>,
  limit = TOP_GIFTERS,
): TopGifter[] {
  const i = list.findIndex((g) => g.userId === gift.senderId);
  const updated =
    i >= 0
      ? list.map((g, j) => (j === i ? { ...g, coins: g.coins + gift.coins } : g))
      : [...list, { userId: gift.senderId, handle: gift.senderHandle, coins: gift.coins }];
  return updated
    .map((g, order) => ({ g, order }))
    .sort((a, b) => b.g.coins - a.g.coins || a.order - b.order)
    .map(({ g }) => g)
    .slice(0, limit);
}

/** Remembers ids already handled (the subscription may deliver an event twice), at most `limit` of them. */
export function createSeen(limit = 1000): (id: string) => boolean {
  const seen = new Set<string>();
  return (id) => {
    if (seen.has(id)) return true;
    seen.add(id);
    if (seen.size > limit) seen.delete(seen.values().next().value as string);
    return false;
  };
}

/** What the viewer's situation is when the gift picker is drawn. */
export interface PickerContext {
  signedIn: boolean;
  live: boolean;
  /** The viewer is the broadcaster of this stream. */
  own: boolean;
  /** Null while the balance loads. */
  wallet: Wallet | null;
}

/** Why nothing at all can be sent now (a sentence), or null. */
export function sendBlock(ctx: PickerContext): string | null {
  if (!ctx.signedIn) return 'Log in to send gifts and tips.';
  if (ctx.own) return 'Gifts and tips are for your viewers to send: you cannot send them to your own stream.';
  if (!ctx.live) return 'Gifts and tips can be sent while the stream is live.';
  if (!ctx.wallet) return 'Loading your balance…';
  if (ctx.wallet.debt > 0) return debtSentence(ctx.wallet.debt);
  return null;
}

/** Why this gift (times `count`) cannot be sent now, or null when it can. */
export function giftBlock(ctx: PickerContext, gift: Pick<GiftDefinition, 'coins' | 'name'>, count = 1): string | null {
  const blocked = sendBlock(ctx);
  if (blocked) return blocked;
  const cost = gift.coins * count;
  const coins = ctx.wallet?.coins ?? 0;
  if (coins < cost)
    return `${count > 1 ? `${count} × ${gift.name}` : gift.name} costs ${formatCoins(cost)}; you have ${formatCoins(coins)}. Buy coins on your wallet page.`;
  return null;
}

/** The sentence for coins owed after a refund or a dispute. */
export function debtSentence(debt: number): string {
  return `You owe ${formatCoins(debt)} after a refunded purchase, so gifts and tips are paused; the next coins you buy settle it first.`;
}

/** Tip limits the form checks before asking the server (which checks them again, with its stage's settings). */
export const TIP_MESSAGE_MAX = DEFAULT_ECONOMY_SETTINGS.maxTipMessageLength;
export const TIP_COINS_MAX = DEFAULT_ECONOMY_SETTINGS.maxTipCoins;

/** The tip form's input as the API takes it, or the sentence saying what to fix. */
export function checkTip(
  coinsText: string,
  message: string,
  ctx: PickerContext,
): { coins: number; message: string } | { error: string } {
  const blocked = sendBlock(ctx);
  if (blocked) return { error: blocked };
  const t = coinsText.trim().replace(/[,\s]/g, '');
  if (!/^\d+$/.test(t) || Number(t) < 1 || !Number.isSafeInteger(Number(t)))
    return { error: 'Enter a whole number of coins, 1 or more.' };
  const coins = Number(t);
  const have = ctx.wallet?.coins ?? 0;
  if (coins > TIP_COINS_MAX) return { error: `A tip is at most ${formatCoins(TIP_COINS_MAX)}.` };
  if (coins > have)
    return { error: `You have ${formatCoins(have)}; tip that much or less, or buy coins on your wallet page.` };
  const m = message.trim();
  if (m.length > TIP_MESSAGE_MAX)
    return { error: `Keep the message to ${TIP_MESSAGE_MAX} characters (it has ${m.length}).` };
  return { coins, message: m };
}

/** Refusals that are the server's final answer: nothing was charged and a retry would be refused again. */
const FINAL = new Set([
  'INSUFFICIENT_COINS',
  'COINS_IN_DEBT',
  'STREAM_NOT_LIVE',
  'BELOW_MINIMUM_PAYOUT',
  'FORBIDDEN',
  'VALIDATION',
  'Unauthorized',
  'SignInRequired',
  'NOT_FOUND',
  'ALREADY_DECIDED',
]);
// CONFLICT (a concurrent write won) and transport errors are not final: the same client id is sent again.

/** Whether an error is a definite refusal (true) or leaves the outcome unknown (network, timeout). */
export function isFinalRefusal(errorType: string | undefined): boolean {
  return errorType !== undefined && FINAL.has(errorType);
}

/** A sentence for an error of the economy's mutations, by its errorType. */
export function economyErrorMessage(e: { errorType?: string | undefined; message: string }): string {
  switch (e.errorType) {
    case 'INSUFFICIENT_COINS':
      return 'You do not have enough coins for that. Buy coins on your wallet page, then try again. Nothing was charged.';
    case 'COINS_IN_DEBT':
      return 'Gifts and tips are paused while you owe coins after a refunded purchase. The next coins you buy settle it first. Nothing was charged.';
    case 'STREAM_NOT_LIVE':
      return 'The stream is not live any more, so gifts and tips cannot be sent. Nothing was charged.';
    case 'BELOW_MINIMUM_PAYOUT':
      return 'Your available earnings are below the minimum payout.';
    case 'FORBIDDEN':
    case 'Unauthorized':
      return e.message && e.errorType === 'FORBIDDEN' ? e.message : 'You are not allowed to do that.';
    case 'CONFLICT':
      return 'That collided with another change. Try again: it is sent once, never charged twice.';
    case 'SignInRequired':
      return 'Log in to do that.';
    case 'VALIDATION':
      return e.message;
    default:
      return e.errorType
        ? e.message
        : 'We could not reach the server, so we do not know yet whether that went through. Try again: it is sent once, never charged twice.';
  }
}

/**
 * Client ids for sends that may be retried. Every send gets a fresh id, except a send repeating one
 * whose outcome stayed unknown (network error, timeout): that one gets the same id again, so the
 * server answers the first outcome instead of charging twice.
 */
export function createRetryIds(newId: () => string = () => crypto.randomUUID()) {
  const unknown = new Map<string, string>();
  return {
    /** The id for a send of `input` (anything JSON-serialisable that names what is sent). */
    begin(input: unknown): string {
      const k = JSON.stringify(input);
      const id = unknown.get(k) ?? newId();
      unknown.delete(k);
      return id;
    },
    /** The send's outcome is unknown: the next send of the same input reuses its id. */
    unknown(input: unknown, id: string): void {
      unknown.set(JSON.stringify(input), id);
    },
  };
}

/** Picture for a gift: the catalog names an animation, the picture comes from the gift's id. */
const GIFT_ICONS: Record<string, string> = {
  rose: '🌹',
  heart: '💖',
  hearts: '💖',
  star: '⭐',
  fire: '🔥',
  clap: '👏',
  coffee: '☕',
  cake: '🎂',
  diamond: '💎',
  crown: '👑',
  rocket: '🚀',
  unicorn: '🦄',
  rainbow: '🌈',
  lion: '🦁',
  castle: '🏰',
  car: '🏎️',
  trophy: '🏆',
  confetti: '🎉',
  gem: '💎',
  panda: '🐼',
};

/** An emoji for a gift (by id, then by a word of its name), 🎁 for gifts without one. */
export function giftIcon(gift: {
  giftId?: string | null;
  id?: string;
  giftName?: string | null;
  name?: string;
}): string {
  const id = (gift.giftId ?? gift.id ?? '').toLowerCase();
  if (Object.hasOwn(GIFT_ICONS, id)) return GIFT_ICONS[id] as string;
  for (const word of (gift.giftName ?? gift.name ?? '').toLowerCase().split(/[^a-z]+/))
    if (Object.hasOwn(GIFT_ICONS, word)) return GIFT_ICONS[word] as string;
  return '🎁';
}

/** The overlay's CSS animations (GiftLayer.svelte). */
export type Motion = 'float' | 'burst' | 'spin' | 'rain' | 'zoom' | 'rise';

/** The catalog's animation names (stage config `economy.gifts`) and the motion each plays. */
const MOTIONS: Record<string, Motion> = {
  heart: 'float',
  rose: 'float',
  clap: 'burst',
  star: 'rain',
  crown: 'zoom',
  rocket: 'rise',
  castle: 'zoom',
  float: 'float',
  burst: 'burst',
  spin: 'spin',
  rain: 'rain',
  zoom: 'zoom',
  rise: 'rise',
};

/** The CSS motion for a catalog animation name; one the web app does not know floats. */
export function animationClass(name: string | null | undefined): Motion {
  const n = (name ?? '').toLowerCase();
  return Object.hasOwn(MOTIONS, n) ? (MOTIONS[n] as Motion) : 'float';
}

/** One line of the ticker for a tip or a gift. */
export function tickerText(
  e: Pick<GiftEvent, 'kind' | 'senderHandle' | 'coins' | 'count' | 'giftName' | 'message'>,
): string {
  if (e.kind === 'TIP') return `@${e.senderHandle} tipped ${formatCoins(e.coins)}${e.message ? `: ${e.message}` : ''}`;
  return `@${e.senderHandle} sent ${e.count > 1 ? `${e.count} × ` : ''}${e.giftName ?? 'a gift'}`;
}

/**
 * Folds a gift into the ticker's last waiting entry when it continues the same sender's run of the
 * same gift, so a combo is one ticker line ("sent 5 × Rose") rather than five. Tips stay separate:
 * each carries its own message.
 */
export function mergeTickerGift(waiting: GiftEvent, incoming: GiftEvent): GiftEvent | null {
  if (waiting.kind !== 'GIFT' || incoming.kind !== 'GIFT') return null;
  if (waiting.senderId !== incoming.senderId || waiting.giftId !== incoming.giftId) return null;
  return { ...incoming, count: waiting.count + incoming.count, coins: waiting.coins + incoming.coins };
}

/**
 * Arrow-key movement in the picker's grid of `length` gifts laid out in `columns`: Left/Right step,
 * Up/Down move a row, Home/End jump; null for other keys.
 */
export function pickerMove(index: number, key: string, length: number, columns: number): number | null {
  if (length <= 0) return null;
  const cols = Math.max(1, columns);
  switch (key) {
    case 'ArrowRight':
      return (index + 1) % length;
    case 'ArrowLeft':
      return (index - 1 + length) % length;
    case 'ArrowDown':
      return index + cols < length ? index + cols : index;
    case 'ArrowUp':
      return index - cols >= 0 ? index - cols : index;
    case 'Home':
      return 0;
    case 'End':
      return length - 1;
    default:
      return null;
  }
}
