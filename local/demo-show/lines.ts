/**
 * What the simulated audience says: friendly, on-topic chat lines picked from templates and filled
 * with what is happening in the show (the lot under the hammer, the last sale, the soft close), so
 * the chat reads like people watching rather than a loop. Pure: the randomness is passed in.
 * Lines carry no links, no shouting and nothing a chat filter would catch.
 */
import type { Persona } from './accounts';

/** A random number in [0, 1): Math.random, or a seeded one in tests. */
export type Rng = () => number;

/** What a viewer can see of the show when they type. */
export interface ShowMoment {
  /** The streamer's handle. */
  readonly streamer: string;
  /** The auction running now, if any. */
  readonly auction?: {
    readonly title: string;
    readonly secondsLeft: number;
    readonly highBidder: string | null;
    readonly bidCount: number;
    /** A bid in the last seconds has pushed the end back (soft close). */
    readonly extended: boolean;
  };
  /** The newest sale of this show, if any. */
  readonly lastSale?: { readonly title: string; readonly buyer: string };
  /** A product on sale at a fixed price right now, if any. */
  readonly buyNow?: { readonly title: string };
}

const GENERAL = [
  'hi everyone 👋',
  'hello from the couch',
  'first time catching this live',
  'good to be back',
  'the picture is so smooth today',
  'this show is my favourite part of the week',
  '@{streamer} you always find the best pieces',
  'who else is here every week?',
  'how long is the show today?',
  'just joined, what did I miss?',
  'sending good vibes to everyone bidding',
  'the chat is lively today',
  'hello @{streamer}!',
  'can we get a closer look at the next one?',
];
const AUCTION = [
  'that {title} looks great',
  'how is the condition on the {title}?',
  'ooh the {title} 😍',
  '{left} seconds left on the {title}!',
  'who is going for the {title}?',
  'the {title} is going cheap so far',
  'bidding is wide open, come on chat',
];
const AUCTION_HIGH = [
  '@{high} leading on the {title}',
  'nice bid @{high}',
  '@{high} means business today',
  'can anyone beat @{high}?',
];
const SOFT_CLOSE = [
  'soft close! the clock went back up 😄',
  'a last-second bid added time again',
  'this one keeps getting extended',
  'the snipers are out tonight',
];
const SOLD = [
  'congrats @{buyer} on the {sold}! 🎉',
  'gg @{buyer}',
  '@{buyer} got a great deal on the {sold}',
  'well played @{buyer}',
  'the {sold} found a good home',
];
const BUY_NOW = ['the {buy} is a steal at that price', 'is the {buy} still available?', 'thinking about the {buy}…'];

/** A product title as people type it in chat: short, lower case. */
function shortTitle(title: string): string {
  const words = title
    .replace(/[,:(].*$/, '')
    .trim()
    .split(/\s+/)
    .slice(0, 3)
    .join(' ')
    .toLowerCase();
  return words || 'lot';
}

function pick<T>(items: readonly T[], rng: Rng): T {
  return items[Math.min(items.length - 1, Math.floor(rng() * items.length))] as T;
}

/**
 * The next line `persona` types at `moment`: weighted towards what is happening (the soft close, a
 * fresh sale, the running auction), never one of the `recent` lines of the chat, with the persona's
 * own catchphrases now and then.
 */
export function chatLine(
  persona: Pick<Persona, 'handle' | 'catchphrases'>,
  moment: ShowMoment,
  rng: Rng,
  recent: readonly string[] = [],
): string {
  const pools: { weight: number; lines: readonly string[] }[] = [
    { weight: 3, lines: GENERAL },
    { weight: 2, lines: persona.catchphrases },
  ];
  if (moment.auction) {
    pools.push({ weight: 4, lines: AUCTION });
    if (moment.auction.highBidder && moment.auction.highBidder !== persona.handle)
      pools.push({ weight: 2, lines: AUCTION_HIGH });
    if (moment.auction.extended) pools.push({ weight: 5, lines: SOFT_CLOSE });
  }
  if (moment.lastSale && moment.lastSale.buyer !== persona.handle) pools.push({ weight: 3, lines: SOLD });
  if (moment.buyNow) pools.push({ weight: 1, lines: BUY_NOW });
  const fill = (template: string) =>
    template
      .replaceAll('{streamer}', moment.streamer)
      .replaceAll('{title}', shortTitle(moment.auction?.title ?? ''))
      .replaceAll('{left}', String(Math.max(1, Math.round(moment.auction?.secondsLeft ?? 0))))
      .replaceAll('{high}', moment.auction?.highBidder ?? '')
      .replaceAll('{buyer}', moment.lastSale?.buyer ?? '')
      .replaceAll('{sold}', shortTitle(moment.lastSale?.title ?? ''))
      .replaceAll('{buy}', shortTitle(moment.buyNow?.title ?? ''));
  const total = pools.reduce((sum, p) => sum + p.weight, 0);
  const seen = new Set(recent);
  let line = '';
  // A few draws usually find a line the chat has not just read; failing that, the first unread one.
  for (let attempt = 0; attempt < 8; attempt++) {
    let r = rng() * total;
    const pool = pools.find((p) => (r -= p.weight) < 0) ?? pools[0];
    line = fill(pick(pool?.lines ?? GENERAL, rng));
    if (!seen.has(line)) return line;
  }
  return pools.flatMap((p) => p.lines.map(fill)).find((l) => !seen.has(l)) ?? line;
}

/** What the streamer says when a lot opens, and when it closes. */
export const streamerLines = {
  opening: (title: string, seconds: number, softClose: number) =>
    `Next up: ${title}! Bidding is open for ${seconds} seconds${softClose ? `, and a bid in the last ${softClose} seconds adds time` : ''}.`,
  sold: (title: string, buyer: string, price: string) => `Sold! ${title} goes to @${buyer} for ${price}. Thank you!`,
  unsold: (title: string) => `No bids on the ${shortTitle(title)} this time, it goes back on the rack.`,
  restock: (title: string) => `Just added: ${title}, buy it now while it lasts.`,
} as const;
