/**
 * One simulated viewer, doing what a person's browser does on the watch page: it keeps reloading
 * the live playlist as a player does (so it counts as a viewer), chats through the web app's own
 * chat connection (frontend/src/features/chat/connection.ts over amazon-ivs-chat-messaging), taps
 * like, buys coins on the checkout page, sends gifts and tips, bids and buys. Every call goes to a
 * public endpoint with the user's own token.
 */
import { randomUUID } from 'node:crypto';
import { ChatRoom, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import { createChatConnection, type ChatConnection } from '../../frontend/src/features/chat/connection';
import type { Document } from '../../frontend/src/lib/graphql/document';
import { C, M, Q } from '../../frontend/src/lib/queries';
import type { GiftDefinition } from '../../frontend/src/lib/types';
import type { Persona } from './accounts';
import { chatLine, type Rng } from './lines';
import { Pacer, type Range } from './pacing';
import { refusalOf, type UserSession } from './session';
import type { ShowState } from './show';

/** How often each bot does each thing (ms): the first time, then again. */
export const BOT_PACE = {
  playlist: { first: [0, 2_000], every: [1_800, 2_400] },
  chat: { first: [2_000, 12_000], every: [14_000, 32_000] },
  like: { first: [3_000, 12_000], every: [9_000, 28_000] },
  gift: { first: [10_000, 45_000], every: [70_000, 160_000] },
  tip: { first: [40_000, 120_000], every: [180_000, 360_000] },
} as const satisfies Record<string, { first: Range; every: Range }>;

/** Gifts a bot sends: the cheap ones, as most viewers do. */
const MAX_GIFT_COINS = 50;
/** The coin pack a bot buys when its wallet runs low. */
const COIN_PACK = 'coins-550';
const TIP_MESSAGES = [
  'for the great show!',
  'thanks for the picks today',
  'keep them coming',
  'loved that last lot',
  'coffee is on me ☕',
];
/** The test card the local checkout pays with. */
const CARD = { cardNumber: '4242 4242 4242 4242', expiry: '12 / 34', cvc: '123' };

const quietLogger = { debug: () => undefined, info: () => undefined, error: () => undefined };
type CheckoutDoc = Document<{ startCoinCheckout: { sessionId: string; url: string } }, { packId: string }>;

/** Lines the whole audience said lately, so no two bots repeat each other. */
export class RecentLines {
  private readonly lines: string[] = [];
  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 12) this.lines.shift();
  }
  get all(): readonly string[] {
    return this.lines;
  }
}

export class ViewerBot {
  private chat: ChatConnection | undefined;
  private gifts: GiftDefinition[] | undefined;
  private lastCoinPurchase = 0;

  constructor(
    readonly user: UserSession,
    readonly persona: Persona,
    private readonly show: ShowState,
    private readonly pacer: Pacer,
    private readonly rng: Rng,
    private readonly recent: RecentLines,
  ) {}

  /** Joins the chat and starts every loop. */
  start(): void {
    const { channelId } = this.show.channel;
    this.chat = createChatConnection({
      createRoom: (tokenProvider) => {
        const room = new ChatRoom({
          regionOrUrl: this.user.config.chatMessagingEndpoint,
          maxReconnectAttempts: 3,
          tokenProvider,
        });
        room.logger = quietLogger;
        return room;
      },
      newRequest: (content) => new SendMessageRequest(content),
      fetchToken: async () => (await this.user.call(M.createChatToken, { channelId })).createChatToken,
      fetchHistory: async () => (await this.user.call(Q.chatHistory, { channelId })).chatHistory,
      self: { userId: this.user.userId, handle: this.user.handle },
      onChange: () => undefined,
      onSendError: () => undefined,
    });
    this.chat.start();
    const p = BOT_PACE;
    this.pacer.loop(`${this.user.handle} playlist`, p.playlist.first, p.playlist.every, () => this.watch());
    this.pacer.loop(`${this.user.handle} chat`, p.chat.first, p.chat.every, () => this.say());
    this.pacer.loop(`${this.user.handle} like`, p.like.first, p.like.every, () => this.like());
    this.pacer.loop(`${this.user.handle} gift`, p.gift.first, p.gift.every, () => this.gift());
    this.pacer.loop(`${this.user.handle} tip`, p.tip.first, p.tip.every, () => this.tip());
  }

  stop(): void {
    this.chat?.stop();
  }

  /** Reloads the live playlist as a playing player does; the platform counts it as a viewer while it does. */
  private async watch(): Promise<void> {
    const url = this.show.channel.playbackUrl;
    if (!url) return;
    const res = await fetch(url, {
      headers: { 'user-agent': `Mozilla/5.0 (demo audience; @${this.user.handle})` },
      signal: AbortSignal.timeout(5_000),
    });
    await res.arrayBuffer();
  }

  private async say(): Promise<void> {
    if (!this.chat || this.chat.view().link !== 'live') return;
    const line = chatLine(this.persona, this.show.moment(Date.now()), this.rng, this.recent.all);
    this.recent.add(line);
    await this.chat.send(line);
  }

  private async like(): Promise<void> {
    // Now and then a little burst, as people tap twice or three times.
    const taps = this.rng() < 0.25 ? 2 + Math.floor(this.rng() * 2) : 1;
    for (let i = 0; i < taps; i++) {
      await this.user.call(M.like, { channelId: this.show.channel.channelId, clientLikeId: randomUUID() });
      if (i + 1 < taps) await this.pacer.sleep(300 + this.rng() * 400);
    }
  }

  /** Pays for a coin pack on the checkout page with the test card, as the buyer's browser submits its form. */
  async buyCoins(): Promise<void> {
    this.lastCoinPurchase = Date.now();
    const { startCoinCheckout } = await this.user.call(C.startCheckout as CheckoutDoc, { packId: COIN_PACK });
    const res = await fetch(startCoinCheckout.url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...CARD, name: this.user.handle }),
    });
    if (res.status !== 303)
      throw new Error(`the checkout page answered ${res.status} instead of sending the buyer back`);
  }

  /** Spends coins, buying a pack first when the wallet cannot pay (at most once every 5 minutes). */
  private async spend(send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (refusalOf(error) !== 'INSUFFICIENT_COINS' || Date.now() - this.lastCoinPurchase < 300_000) throw error;
      await this.buyCoins();
      await send();
    }
  }

  private async gift(): Promise<void> {
    this.gifts ??= (await this.user.call(Q.giftCatalog, {})).giftCatalog.filter((g) => g.coins <= MAX_GIFT_COINS);
    const gift = this.gifts[Math.floor(this.rng() * this.gifts.length)];
    if (!gift) return;
    const count = gift.coins <= 5 ? 1 + Math.floor(this.rng() * 5) : 1;
    const clientGiftId = randomUUID();
    await this.spend(() =>
      this.user.call(M.sendGift, {
        input: { channelId: this.show.channel.channelId, giftId: gift.id, count, clientGiftId },
      }),
    );
  }

  private async tip(): Promise<void> {
    const coins = 10 + Math.floor(this.rng() * 31);
    const message = TIP_MESSAGES[Math.floor(this.rng() * TIP_MESSAGES.length)] ?? null;
    const clientGiftId = randomUUID();
    await this.spend(() =>
      this.user.call(M.sendTip, { input: { channelId: this.show.channel.channelId, coins, message, clientGiftId } }),
    );
  }

  /** Places a bid; the caller decided who and how much (bidding.ts). */
  async bid(productId: string, amount: number): Promise<void> {
    await this.user.call(M.placeBid, { input: { productId, amount, bidId: randomUUID() } });
  }

  async buy(productId: string): Promise<void> {
    await this.user.call(M.buyNow, { id: productId });
  }
}
