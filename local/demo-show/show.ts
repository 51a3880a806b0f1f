/**
 * What the simulated audience knows of the show: the channel's products, read as a guest's watch
 * page reads them (Query.products, every 2 s, every second near an auction's end), and what follows
 * from them: the lot under the hammer and how often its end has moved (the soft close), the last
 * sale, the product on sale at a fixed price. One read serves every bot, so the load stays flat
 * however many bots watch.
 */
import { incrementFor } from '../../lambdas/shared/domain/auctions';
import { Q } from '../../frontend/src/lib/queries';
import type { Product } from '../../frontend/src/lib/types';
import type { AuctionView } from './bidding';
import type { Rng, ShowMoment } from './lines';
import type { Guest } from './session';

/** The channel being watched. */
export interface Channel {
  readonly channelId: string;
  readonly handle: string;
  readonly playbackUrl: string | null;
}

interface Tracked {
  openedAtMs: number;
  lastEndsAtMs: number;
  extensions: number;
  maxExtensions: number;
}

/** Products and the auction as of the last read. */
export class ShowState {
  products: Product[] = [];
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    readonly channel: Channel,
    private readonly rng: Rng,
  ) {}

  /** Takes a fresh read of the products at `nowMs`. */
  update(products: Product[], nowMs: number): void {
    this.products = products;
    for (const p of products) {
      if (p.status !== 'AUCTION_OPEN' || !p.endsAt) continue;
      const ends = Date.parse(p.endsAt);
      const t = this.tracked.get(p.productId);
      // The bidders decide, when a lot opens, how many soft-close rounds they have in them (1 to 3).
      if (!t)
        this.tracked.set(p.productId, {
          openedAtMs: nowMs,
          lastEndsAtMs: ends,
          extensions: 0,
          maxExtensions: 1 + Math.floor(this.rng() * 3),
        });
      else if (ends > t.lastEndsAtMs) {
        t.lastEndsAtMs = ends;
        t.extensions++;
      }
    }
  }

  /** The lot under the hammer, if any. */
  get auction(): Product | undefined {
    return this.products.find((p) => p.status === 'AUCTION_OPEN');
  }

  /** The running auction as the bidding rules read it. */
  auctionView(): (AuctionView & { productId: string; startingBid: number }) | undefined {
    const p = this.auction;
    const t = p && this.tracked.get(p.productId);
    if (!p || !t) return undefined;
    const startingBid = p.startingBid ?? 0;
    const minNextBid =
      p.minNextBid ??
      (p.currentPrice == null ? startingBid : p.currentPrice + incrementFor(p.currentPrice, p.bidIncrement));
    return {
      productId: p.productId,
      startingBid,
      status: p.status,
      endsAtMs: p.endsAt ? Date.parse(p.endsAt) : null,
      openedAtMs: t.openedAtMs,
      minNextBid,
      bidCount: p.bidCount,
      highBidderId: p.highBidderId ?? null,
      increment: incrementFor(p.currentPrice ?? startingBid, p.bidIncrement),
      extensions: t.extensions,
      maxExtensions: t.maxExtensions,
    };
  }

  /** A product on sale at a fixed price, not sold yet. */
  get buyNow(): Product | undefined {
    return this.products.find((p) => p.saleMode === 'BUY_NOW' && p.status === 'DRAFT');
  }

  /** What a viewer typing now would have seen. */
  moment(nowMs: number): ShowMoment {
    const a = this.auction;
    const t = a && this.tracked.get(a.productId);
    const sold = this.products
      .filter((p) => p.sale)
      .sort((x, y) => Date.parse(y.sale?.soldAt ?? '') - Date.parse(x.sale?.soldAt ?? ''))[0];
    const recentSale =
      sold?.sale && nowMs - Date.parse(sold.sale.soldAt) < 90_000
        ? { title: sold.title, buyer: sold.sale.buyerHandle }
        : undefined;
    return {
      streamer: this.channel.handle,
      ...(a
        ? {
            auction: {
              title: a.title,
              secondsLeft: a.endsAt ? (Date.parse(a.endsAt) - nowMs) / 1000 : 0,
              highBidder: a.highBidderHandle ?? null,
              bidCount: a.bidCount,
              extended: (t?.extensions ?? 0) > 0,
            },
          }
        : {}),
      ...(recentSale ? { lastSale: recentSale } : {}),
      ...(this.buyNow ? { buyNow: { title: this.buyNow.title } } : {}),
    };
  }
}

/** Reads the channel's products as a guest, as the watch page does. */
export async function readProducts(guest: Guest, channelId: string): Promise<Product[]> {
  return (await guest.call(Q.products, { channelId })).products as Product[];
}
