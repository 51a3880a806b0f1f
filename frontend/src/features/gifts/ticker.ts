/** How long each entry owns the tip ticker: it slides in from the right, holds, and leaves to the left. */
export const TICKER_ITEM_MS = 8_000;

/** What the ticker shows now: one entry at most, and how many wait behind it. */
export interface TickerState<T> {
  readonly current: T | null;
  /** Restarts with every entry, so a view keyed on it replays the slide even for two equal entries. */
  readonly serial: number;
  readonly pending: number;
}

/** Options of {@link createTicker}. */
export interface TickerOptions<T> {
  /** Identity of an entry: a redelivered entry (same key) is shown once. */
  key(item: T): string;
  /**
   * Folds an incoming entry into the last waiting one (a gift combo still in the queue), or null to
   * queue it on its own. Never called for the entry on screen.
   * @default never merges
   */
  merge?(waiting: T, incoming: T): T | null;
  /** Called after every change, with the new state. */
  onChange(state: TickerState<T>): void;
  /** @default TICKER_ITEM_MS */
  itemMs?: number;
  /** How many keys to remember for redeliveries. @default 1000 */
  rememberKeys?: number;
}

/** A tip ticker: a first-in, first-out queue shown one entry at a time. */
export interface Ticker<T> {
  /** Queues an entry; false for a redelivery already seen. */
  push(item: T): boolean;
  state(): TickerState<T>;
  /** Stops the clock (the page is leaving); nothing is shown afterwards. */
  dispose(): void;
}

/**
 * The tip ticker's queue. Entries are shown strictly one after the other, each for exactly
 * `itemMs`, in arrival order: a burst waits in the queue rather than overlapping or being dropped
 * (50 tips at once take 50 × 8 s). The only timer is the one of the entry on screen.
 */
export function createTicker<T>(options: TickerOptions<T>): Ticker<T> {
  const itemMs = options.itemMs ?? TICKER_ITEM_MS;
  const remember = options.rememberKeys ?? 1000;
  const queue: T[] = [];
  const seen = new Set<string>();
  let current: T | null = null;
  let serial = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const snapshot = (): TickerState<T> => ({ current, serial, pending: queue.length });
  const emit = () => options.onChange(snapshot());

  const next = () => {
    timer = undefined;
    current = queue.shift() ?? null;
    if (current !== null) {
      serial += 1;
      timer = setTimeout(next, itemMs);
    }
    emit();
  };

  return {
    push(item) {
      if (disposed) return false;
      const k = options.key(item);
      if (seen.has(k)) return false;
      seen.add(k);
      // Sets iterate in insertion order: the first key is the oldest.
      if (seen.size > remember) seen.delete(seen.values().next().value as string);
      const last = queue.length ? queue[queue.length - 1] : undefined;
      const merged = last !== undefined && options.merge ? options.merge(last, item) : null;
      if (merged !== null) queue[queue.length - 1] = merged;
      else queue.push(item);
      if (timer === undefined) next();
      else emit();
      return true;
    },
    state: snapshot,
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      queue.length = 0;
      current = null;
    },
  };
}
