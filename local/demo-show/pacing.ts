/**
 * Timers of the simulated audience: each action repeats after a random wait in its range, so the
 * bots never act in lockstep; a failure is reported (at most once a minute per action) and the loop
 * carries on; `stop()` clears every timer at once.
 */
import type { Rng } from './lines';

/** A wait range in milliseconds. */
export type Range = readonly [min: number, max: number];

/** A random wait in `range`. */
export const within = (range: Range, rng: Rng): number => Math.round(range[0] + (range[1] - range[0]) * rng());

/** Refusals that are part of a busy show (someone bid first, the lot just sold), not failures. */
export const EXPECTED_REFUSALS = new Set([
  'BID_TOO_LOW',
  'AUCTION_CLOSED',
  'AUCTION_ENDED',
  'AUCTION_NOT_OPEN',
  'ALREADY_SOLD',
  'CONFLICT',
  'STREAM_NOT_LIVE',
  'NOT_LIVE',
  'NOT_OPEN',
]);

export class Pacer {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly lastReport = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly rng: Rng,
    private readonly report: (line: string) => void,
  ) {}

  get running(): boolean {
    return !this.stopped;
  }

  /** Waits `ms` (resolves at once after stop()). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /** Runs `work` after `first`, then again after each wait in `every`, until stop(). */
  loop(name: string, first: Range, every: Range, work: () => Promise<void>): void {
    const schedule = (range: Range) => {
      if (this.stopped) return;
      const t = setTimeout(
        () => {
          this.timers.delete(t);
          void this.guard(name, work).then(() => schedule(every));
        },
        within(range, this.rng),
      );
      this.timers.add(t);
    };
    schedule(first);
  }

  /** Runs `work`, reporting a failure other than an expected refusal (once a minute per name). */
  async guard(name: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (this.stopped) return;
      const type = (error as { types?: string[] }).types?.[0];
      if (type && EXPECTED_REFUSALS.has(type)) return;
      const now = Date.now();
      if (now - (this.lastReport.get(name) ?? 0) < 60_000) return;
      this.lastReport.set(name, now);
      this.report(`demo audience: ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
