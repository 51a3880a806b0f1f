/**
 * The streamer's side of the demo show, done as the streamer does it in the Studio: put the next lot
 * up (feature it, start its auction, say so in chat), close it once its time is up, restock a
 * buy-now item now and then, pause, and go again, every two to three minutes. Lots come from the
 * channel's own products first (the demo catalog), then new ones are created.
 */
import { ChatRoom, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import { createChatConnection, type ChatConnection } from '../../frontend/src/features/chat/connection';
import { formatMoney } from '../../frontend/src/lib/format';
import { M, Q } from '../../frontend/src/lib/queries';
import type { CreateProductInput } from '../../frontend/src/lib/graphql/schema-types';
import type { Product } from '../../frontend/src/lib/types';
import { streamerLines, type Rng } from './lines';
import { within, type Pacer, type Range } from './pacing';
import type { UserSession } from './session';
import { readProducts, type ShowState } from './show';

/** Auction lots the show puts up once the catalog's are sold: every lot runs 60 s with a 15 s soft close. */
const LOTS: readonly Omit<CreateProductInput, 'channelId' | 'currency' | 'saleMode'>[] = [
  {
    title: 'Vintage band tee',
    type: 'APPAREL',
    params: JSON.stringify({ size: 'L', colour: 'Washed black' }),
    startingBid: 1500,
  },
  {
    title: 'Holographic trading card, graded',
    type: 'COLLECTIBLE',
    params: JSON.stringify({ grade: 'PSA 8', year: 1999 }),
    startingBid: 3000,
  },
  { title: 'Leather belt', type: 'APPAREL', params: JSON.stringify({ size: 'M', colour: 'Tan' }), startingBid: 1200 },
  { title: 'Retro sunglasses', type: 'GENERIC', startingBid: 1000 },
  { title: 'Silk scarf', type: 'APPAREL', params: JSON.stringify({ size: 'M', colour: 'Emerald' }), startingBid: 1800 },
  {
    title: 'First-edition comic, graded',
    type: 'COLLECTIBLE',
    params: JSON.stringify({ grade: 'CGC 7.5', year: 1987 }),
    startingBid: 4000,
  },
];
/** Buy-now items the show restocks. */
const RESTOCK: readonly { title: string; buyNowPrice: number }[] = [
  { title: 'Enamel pin set', buyNowPrice: 900 },
  { title: 'Vintage postcard bundle', buyNowPrice: 1200 },
  { title: 'Canvas tote bag, restocked', buyNowPrice: 1800 },
  { title: 'Sticker sheet', buyNowPrice: 500 },
];
export const LOT_AUCTION = { durationSeconds: 60, softCloseSeconds: 15 } as const;
/** The pause between lots. */
export const BETWEEN_LOTS: Range = [40_000, 80_000];

const quietLogger = { debug: () => undefined, info: () => undefined, error: () => undefined };

export class ShowRunner {
  private chat: ChatConnection | undefined;
  private lotNumber = 0;

  constructor(
    private readonly streamer: UserSession,
    private readonly show: ShowState,
    private readonly pacer: Pacer,
    private readonly rng: Rng,
  ) {}

  /** Joins the chat as the streamer and starts the lots. */
  start(): void {
    const { channelId } = this.show.channel;
    this.chat = createChatConnection({
      createRoom: (tokenProvider) => {
        const room = new ChatRoom({
          regionOrUrl: this.streamer.config.chatMessagingEndpoint,
          maxReconnectAttempts: 3,
          tokenProvider,
        });
        room.logger = quietLogger;
        return room;
      },
      newRequest: (content) => new SendMessageRequest(content),
      fetchToken: async () => (await this.streamer.call(M.createChatToken, { channelId })).createChatToken,
      fetchHistory: async () => (await this.streamer.call(Q.chatHistory, { channelId })).chatHistory,
      self: { userId: this.streamer.userId, handle: this.streamer.handle },
      onChange: () => undefined,
      onSendError: () => undefined,
    });
    this.chat.start();
    void this.lots();
  }

  stop(): void {
    this.chat?.stop();
  }

  private announce(line: string): void {
    if (this.chat?.view().link === 'live') void this.chat.send(line).catch(() => undefined);
  }

  private async lots(): Promise<void> {
    // The first lot opens at once: a newcomer sees bidding within their first minute.
    while (this.pacer.running) {
      await this.pacer.guard('the next lot', async () => {
        const lot = await this.nextLot();
        await this.run(lot);
        await this.restock();
      });
      await this.pacer.sleep(within(BETWEEN_LOTS, this.rng));
    }
  }

  /** The lot on the block: one still open (after a restart), an unsold catalog one, or a new one. */
  private async nextLot(): Promise<Product> {
    const products = await readProducts(this.streamer, this.show.channel.channelId);
    this.lotNumber = Math.max(this.lotNumber, products.length);
    const open = products.find((p) => p.status === 'AUCTION_OPEN');
    if (open) return open;
    const draft = products
      .filter((p) => p.status === 'DRAFT' && p.saleMode !== 'BUY_NOW')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    if (draft) return draft;
    const next = LOTS[this.lotNumber % LOTS.length] as (typeof LOTS)[number];
    this.lotNumber++;
    const { createProduct } = await this.streamer.call(M.createProduct, {
      input: {
        ...next,
        title: `${next.title} (lot ${this.lotNumber})`,
        channelId: this.show.channel.channelId,
        currency: 'USD',
        saleMode: 'AUCTION',
        ...LOT_AUCTION,
      },
    });
    return createProduct as Product;
  }

  /** Features and opens `lot`, waits for its end (soft close included) and closes it as the Studio's button does. */
  private async run(lot: Product): Promise<void> {
    let product = lot;
    if (product.status === 'DRAFT') {
      await this.streamer.call(M.featureProduct, { id: product.productId }).catch(() => undefined);
      product = (await this.streamer.call(M.startAuction, { id: product.productId })).startAuction as Product;
      this.announce(
        streamerLines.opening(
          product.title,
          product.durationSeconds ?? LOT_AUCTION.durationSeconds,
          product.softCloseSeconds ?? 0,
        ),
      );
    }
    while (this.pacer.running && product.status === 'AUCTION_OPEN') {
      const left = product.endsAt ? Date.parse(product.endsAt) - Date.now() : 0;
      if (left < -1_000) {
        // The sweeper may have closed it a moment before: the answer then is a refusal, and the read below tells.
        await this.streamer.call(M.closeAuction, { id: product.productId }).catch(() => undefined);
        await this.pacer.sleep(1_000);
      } else {
        await this.pacer.sleep(Math.min(Math.max(left + 1_200, 500), 5_000));
      }
      const id = product.productId;
      product = (await readProducts(this.streamer, this.show.channel.channelId)).find((p) => p.productId === id) ?? {
        ...product,
        status: 'UNSOLD',
      };
    }
    if (product.sale)
      this.announce(
        streamerLines.sold(
          product.title,
          product.sale.buyerHandle,
          formatMoney(product.sale.price, product.sale.currency),
        ),
      );
    else if (product.status === 'UNSOLD') this.announce(streamerLines.unsold(product.title));
    if (product.featured)
      await this.streamer.call(M.unfeatureProduct, { id: product.productId }).catch(() => undefined);
  }

  /** Puts a buy-now item up when none is on sale (every other lot or so). */
  private async restock(): Promise<void> {
    if (this.show.buyNow || this.rng() < 0.4) return;
    const item = RESTOCK[Math.floor(this.rng() * RESTOCK.length)] as (typeof RESTOCK)[number];
    await this.streamer.call(M.createProduct, {
      input: { ...item, channelId: this.show.channel.channelId, type: 'GENERIC', saleMode: 'BUY_NOW', currency: 'USD' },
    });
    this.announce(streamerLines.restock(item.title));
  }
}
