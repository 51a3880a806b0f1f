/**
 * The simulated audience of `npm start -- --demo`: a handful of viewers (bot.ts) and the streamer's
 * show (runner.ts) around one shared read of the show (show.ts), with the bidders' decisions taken
 * from bidding.ts. Everything goes through the public API, the chat protocol and the HLS playlist,
 * with accounts signed up like anyone's; `stop()` ends every loop and chat connection.
 */
import { Q } from '../../frontend/src/lib/queries';
import { bidderLimits, nextBid, type Bidder } from './bidding';
import { RecentLines, ViewerBot } from './bot';
import type { RuntimeConfig } from '../../frontend/src/lib/config';
import type { DemoAccount, Persona } from './accounts';
import type { Rng } from './lines';
import { Pacer, type Range } from './pacing';
import { ShowRunner } from './runner';
import { Guest, UserSession } from './session';
import { readProducts, ShowState, type Channel } from './show';

export interface AudienceOptions {
  readonly config: RuntimeConfig;
  /** Where the streamer's confirmation code would be, were the account new. */
  readonly outboxDir: string;
  /** Signed-in viewers, one per persona. */
  readonly viewers: readonly { user: UserSession; persona: Persona }[];
  /** The streamer whose live show the audience watches; they put the lots up. */
  readonly streamer: DemoAccount;
  readonly say: (line: string) => void;
  /** @default Math.random */
  readonly rng?: Rng;
}

export interface Audience {
  readonly bots: readonly ViewerBot[];
  readonly show: ShowState;
  stop(): void;
}

/** A bot buys the buy-now item on sale this often. */
const BUY_NOW: { first: Range; every: Range } = { first: [30_000, 70_000], every: [90_000, 200_000] };

/** Waits until `handle` is live (the demo streamer's ffmpeg may still be connecting) and answers their channel. */
export async function liveChannel(
  guest: Guest,
  handle: string,
  pacer: Pacer,
  say: (line: string) => void,
): Promise<Channel | undefined> {
  let told = false;
  while (pacer.running) {
    const { streamer } = await guest.call(Q.streamer, { handle }).catch(() => ({ streamer: null }));
    if (streamer?.status === 'LIVE')
      return { channelId: streamer.userId, handle: streamer.handle, playbackUrl: streamer.playbackUrl ?? null };
    if (!told) say(`demo audience: waiting for @${handle} to go live ...`);
    told = true;
    await pacer.sleep(1_000);
  }
  return undefined;
}

/** Starts the audience on the streamer's live show; answers once every bot is in. */
export async function startAudience(opts: AudienceOptions): Promise<Audience> {
  const rng = opts.rng ?? Math.random;
  const pacer = new Pacer(rng, opts.say);
  const guest = new Guest(opts.config);
  const channel = await liveChannel(guest, opts.streamer.handle, pacer, opts.say);
  if (!channel) throw new Error('the audience was stopped before the stream went live');
  // Signed in only once live: the account is the streamer's own, set up by whoever started the stream.
  const streamer = await UserSession.open(opts.config, opts.streamer, opts.outboxDir);
  const show = new ShowState(channel, rng);
  const recent = new RecentLines();
  const bots = opts.viewers.map((v) => new ViewerBot(v.user, v.persona, show, pacer, rng, recent));
  const runner = new ShowRunner(streamer, show, pacer, rng);

  // One read of the products for every bot; near an auction's end it comes every second, for the last-second bids.
  const limits = new Map<string, Bidder[]>();
  void (async () => {
    while (pacer.running) {
      await pacer.guard('reading the products', async () => {
        show.update(await readProducts(guest, channel.channelId), Date.now());
        const view = show.auctionView();
        if (!view) return;
        if (!limits.has(view.productId))
          limits.set(
            view.productId,
            bidderLimits(
              bots.map((b) => b.user.userId),
              view.startingBid,
              rng,
            ),
          );
        const bid = nextBid(view, limits.get(view.productId) ?? [], Date.now(), rng);
        if (bid) await bots[bid.bidder]?.bid(view.productId, bid.amount);
      });
      const ends = show.auction?.endsAt ? Date.parse(show.auction.endsAt) - Date.now() : Infinity;
      await pacer.sleep(ends < 12_000 ? 1_000 : 2_000);
    }
  })();
  pacer.loop('buy now', BUY_NOW.first, BUY_NOW.every, async () => {
    const item = show.buyNow;
    const bot = bots[Math.floor(rng() * bots.length)];
    if (item && bot) await bot.buy(item.productId);
  });
  for (const bot of bots) bot.start();
  runner.start();
  return {
    bots,
    show,
    stop() {
      pacer.stop();
      for (const bot of bots) bot.stop();
      runner.stop();
    },
  };
}
