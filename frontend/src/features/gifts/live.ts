import type { GiftEvent, TopGifter } from '../../lib/types';
import { createGiftStage, type GiftShow } from './combo';
import { addToTopGifters, createSeen, mergeTickerGift } from './gifts';
import { createTicker, type TickerState } from './ticker';

/** Where the watch page draws what {@link createLiveGifts} decides. */
export interface LiveGiftsView {
  stage(shows: readonly GiftShow<GiftEvent>[], waiting: number): void;
  ticker(state: TickerState<GiftEvent>): void;
  top(list: readonly TopGifter[]): void;
}

/** A stream's gifts as one viewer sees them: animation lanes with combos, the ticker, the top gifters. */
export interface LiveGifts {
  /** A gift or tip from the subscription or from this viewer's own send; false for one already handled. */
  receive(e: GiftEvent): boolean;
  /** The server's top gifters of `streamId` (authoritative: replaces what was added locally). */
  setTop(list: readonly TopGifter[], streamId: string | null): void;
  dispose(): void;
}

/**
 * Feeds every gift event once (the subscription may redeliver, and the sender's own receipt arrives
 * besides it) to the gift lanes (gifts only), the ticker (gifts and tips) and the top gifters, which
 * start over when an event belongs to a newer stream than the list.
 */
export function createLiveGifts(view: LiveGiftsView): LiveGifts {
  const seen = createSeen();
  const stage = createGiftStage<GiftEvent>({ onChange: view.stage });
  const ticker = createTicker<GiftEvent>({ key: (e) => e.id, merge: mergeTickerGift, onChange: view.ticker });
  let top: readonly TopGifter[] = [];
  let topStream: string | null = null;
  return {
    receive(e) {
      if (seen(e.id)) return false;
      if (e.kind === 'GIFT') stage.push(e);
      ticker.push(e);
      if (e.streamId && e.streamId !== topStream) {
        // A list of an earlier stream starts over; a list of a stream not named yet is this one's.
        if (topStream !== null) top = [];
        topStream = e.streamId;
      }
      top = addToTopGifters(top, e);
      view.top(top);
      return true;
    },
    setTop(list, streamId) {
      top = list;
      topStream = streamId;
      view.top(top);
    },
    dispose() {
      stage.dispose();
      ticker.dispose();
    },
  };
}
