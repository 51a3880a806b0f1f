/** Gifts of the same kind from the same sender this close together count as one combo ("×3"). */
export const COMBO_WINDOW_MS = 5_000;

/** The parts of a gift a combo is made of. */
export interface ComboHit {
  readonly senderId: string;
  /** Tips have none: they never reach the lanes, and each would count on its own. */
  readonly giftId?: string | null | undefined;
  /** How many of the gift this send holds (a send of 5 roses counts 5). */
  readonly count: number;
}

/** Which combo a gift belongs to. */
export function comboKey(hit: Pick<ComboHit, 'senderId' | 'giftId'>): string {
  return `${hit.senderId}\u0000${hit.giftId ?? ''}`;
}

/** "×3" from the second gift of a combo on; nothing for a single gift. */
export function comboLabel(total: number): string {
  return total > 1 ? `×${total}` : '';
}

/** Counts combos: {@link ComboCounter.hit} answers the running total of the combo a gift extends or starts. */
export interface ComboCounter {
  hit(gift: ComboHit, now: number): { key: string; total: number };
}

/**
 * A combo counter. A gift continues its sender's combo of the same gift when it arrives within
 * `windowMs` of that combo's previous gift (each gift restarts the window), otherwise it starts a
 * new one. Time is the caller's (arrival time), so clock skew between senders does not matter.
 */
export function createComboCounter(windowMs = COMBO_WINDOW_MS): ComboCounter {
  const last = new Map<string, { total: number; at: number }>();
  return {
    hit(gift, now) {
      for (const [k, v] of last) if (now - v.at > windowMs) last.delete(k);
      const key = comboKey(gift);
      const prev = last.get(key);
      const total = (prev ? prev.total : 0) + Math.max(1, gift.count);
      last.set(key, { total, at: now });
      return { key, total };
    },
  };
}

/** How long a gift stays on screen after its combo's latest gift. */
export const GIFT_SHOW_MS = 4_000;

/** A gift on screen (or waiting for a free lane): its combo so far. */
export interface GiftShow<G> {
  /** Unique per show, for keyed views. */
  readonly id: number;
  /** The combo it counts ({@link comboKey}). */
  readonly key: string;
  /** The combo's latest gift. */
  readonly gift: G;
  readonly total: number;
  /** Rises with every gift of the combo, so the view can replay its "pop" on each. */
  readonly hits: number;
}

/** Options of {@link createGiftStage}. */
export interface GiftStageOptions<G extends ComboHit> {
  onChange(shows: readonly GiftShow<G>[], waiting: number): void;
  /** Gifts on screen at once. @default 3 */
  lanes?: number;
  /** How long a show stays after its latest gift; keep it below the combo window. @default GIFT_SHOW_MS */
  showMs?: number;
  /** @default COMBO_WINDOW_MS */
  comboWindowMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** The gift animation overlay's state: a few lanes, combos counted in place. */
export interface GiftStage<G extends ComboHit> {
  push(gift: G): void;
  dispose(): void;
}

/**
 * The overlay's lanes. A gift that continues a combo on screen (or one still waiting) raises that
 * combo's count, and on screen keeps it up longer, instead of taking another lane; other gifts take
 * a free lane, or wait in arrival order for one. Nothing is dropped.
 */
export function createGiftStage<G extends ComboHit>(options: GiftStageOptions<G>): GiftStage<G> {
  const lanes = options.lanes ?? 3;
  const showMs = options.showMs ?? GIFT_SHOW_MS;
  const now = options.now ?? Date.now;
  const combos = createComboCounter(options.comboWindowMs ?? COMBO_WINDOW_MS);
  let shows: GiftShow<G>[] = [];
  const waiting: GiftShow<G>[] = [];
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let ids = 0;

  const emit = () => options.onChange(shows, waiting.length);

  const arm = (id: number) => {
    const t = timers.get(id);
    if (t !== undefined) clearTimeout(t);
    timers.set(
      id,
      setTimeout(() => expire(id), showMs),
    );
  };

  const expire = (id: number) => {
    timers.delete(id);
    shows = shows.filter((s) => s.id !== id);
    const nextShow = waiting.shift();
    if (nextShow) {
      shows = [...shows, nextShow];
      arm(nextShow.id);
    }
    emit();
  };

  return {
    push(gift) {
      const { key, total } = combos.hit(gift, now());
      const continues = total > Math.max(1, gift.count);
      const onScreen = continues ? shows.findIndex((s) => s.key === key) : -1;
      const queued = continues && onScreen < 0 ? waiting.findIndex((s) => s.key === key) : -1;
      if (onScreen >= 0) {
        shows = shows.map((s, i) => (i === onScreen ? { ...s, gift, total, hits: s.hits + 1 } : s));
        arm((shows[onScreen] as GiftShow<G>).id);
      } else if (queued >= 0) {
        const prev = waiting[queued] as GiftShow<G>;
        waiting[queued] = { ...prev, gift, total, hits: prev.hits + 1 };
      } else {
        const show = { id: ++ids, key, gift, total, hits: 1 };
        if (shows.length < lanes) {
          shows = [...shows, show];
          arm(show.id);
        } else waiting.push(show);
      }
      emit();
    },
    dispose() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      shows = [];
      waiting.length = 0;
    },
  };
}
