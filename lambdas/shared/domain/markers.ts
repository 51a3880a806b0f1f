/**
 * Sale markers: the offset of a sale into its recording, and the IVS timed-metadata cues viewers'
 * players receive. Pure: no AWS imports.
 *
 * Cue payload contract (the web player parses it with `parseCuePayload`): one cue is a JSON
 * object, a coalesced burst is a JSON array of cue objects; each cue has `kind` and `productId`
 * and, when they fit, `price` (minor units), `currency`, `saleId`, `title`.
 */
import { z } from 'zod';

/** IVS PutMetadata: payload at most 1 KB (UTF-8 bytes). */
export const MAX_METADATA_BYTES = 1024;
/** IVS PutMetadata: at most 5 calls per second per channel. */
export const MAX_CALLS_PER_SECOND = 5;

/**
 * Milliseconds from the recording's start (`recording_started_at`) to the sale's server time;
 * null when either is unknown or the sale predates the recording (clock skew, stale profile).
 */
export function offsetMs(soldAt: string, recordingStartedAt: string | undefined): number | null {
  if (!recordingStartedAt) return null;
  const sold = Date.parse(soldAt);
  const start = Date.parse(recordingStartedAt);
  if (Number.isNaN(sold) || Number.isNaN(start) || sold < start) return null;
  return sold - start;
}

/** GSI2 sort key of a sale within its recording: zero-padded to 15 digits so order is numeric. */
export function offsetSortKey(offset: number): string {
  return String(Math.max(0, Math.trunc(offset))).padStart(15, '0');
}

export const cueSchema = z.object({
  kind: z.enum(['sale', 'featured']),
  productId: z.string().min(1),
  price: z.number().int().optional(),
  currency: z.string().length(3).optional(),
  saleId: z.string().optional(),
  title: z.string().optional(),
});
export type Cue = z.infer<typeof cueSchema>;

const payloadSchema = z.union([cueSchema, z.array(cueSchema).min(1)]);

/** Parses a PutMetadata payload (object or array) into cues; throws on anything else. */
export function parseCuePayload(text: string): Cue[] {
  const parsed = payloadSchema.parse(JSON.parse(text));
  return Array.isArray(parsed) ? parsed : [parsed];
}

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Makes one cue fit in `limit` bytes: first shortens the title, then drops optional fields
 * (title, then saleId, currency and price together since a price without currency is meaningless).
 * kind and productId always stay; an id longer than the limit is a bug upstream, so it throws.
 */
export function fitCue(cue: Cue, limit = MAX_METADATA_BYTES): Cue {
  const size = (c: Cue) => bytes(JSON.stringify(c));
  if (size(cue) <= limit) return { ...cue };
  const { title, ...withoutTitle } = cue;
  if (title) {
    // Longest prefix (in code points) of the title that still fits, found by bisection.
    const chars = [...title];
    let lo = 0;
    let hi = chars.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (size({ ...withoutTitle, title: chars.slice(0, mid).join('') + '\u2026' }) <= limit) lo = mid;
      else hi = mid - 1;
    }
    if (lo >= 8) return { ...withoutTitle, title: chars.slice(0, lo).join('') + '\u2026' };
    if (size(withoutTitle) <= limit) return withoutTitle;
  }
  const minimal: Cue = { kind: cue.kind, productId: cue.productId };
  if (cue.saleId && size({ ...minimal, saleId: cue.saleId }) <= limit) minimal.saleId = cue.saleId;
  if (size(minimal) > limit) throw new Error(`Cue for ${cue.productId.slice(0, 40)} cannot fit in ${limit} bytes`);
  return minimal;
}

/**
 * Takes as many cues from the front of `queue` as fit in one payload (order kept) and returns the
 * payload and how many it used. A single cue is sent as an object, several as an array.
 */
export function packCues(queue: readonly Cue[], limit = MAX_METADATA_BYTES): { payload: string; count: number } {
  if (queue.length === 0) throw new Error('packCues needs at least one cue');
  const first = fitCue(queue[0] as Cue, limit);
  const taken: Cue[] = [first];
  let arrayBytes = bytes(JSON.stringify(taken));
  for (let i = 1; i < queue.length; i++) {
    const next = queue[i] as Cue;
    // Array form costs "[" "]" once and a comma per extra element.
    const extra = bytes(JSON.stringify(next)) + 1;
    if (arrayBytes + extra > limit) break;
    taken.push(next);
    arrayBytes += extra;
  }
  const payload = taken.length === 1 ? JSON.stringify(first) : JSON.stringify(taken);
  return { payload, count: taken.length };
}

/**
 * Rate limiter per channel over a sliding window: at most `maxCalls` in any `windowMs`. A sliding
 * window (not a refilling bucket) because a bucket lets a full burst plus the refill through in
 * the first second, which is exactly what IVS's 5 calls/s limit throttles. Calls are recorded when
 * they actually go out (`record`), not when they were planned: timers fire late by varying amounts,
 * and planned slots would then let six real calls into one second.
 */
export class RateLimiter {
  private readonly sent: number[] = [];

  constructor(
    private readonly maxCalls = MAX_CALLS_PER_SECOND,
    private readonly windowMs = 1000,
  ) {}

  /** Milliseconds to wait before the next call may go out (0: now). */
  delay(now: number): number {
    while (this.sent.length > 0 && (this.sent[0] as number) <= now - this.windowMs) this.sent.shift();
    if (this.sent.length < this.maxCalls) return 0;
    return Math.max(1, (this.sent[this.sent.length - this.maxCalls] as number) + this.windowMs - now);
  }

  /** Notes a call that is going out now. */
  record(now: number): void {
    this.sent.push(now);
  }
}

/** A sale as the Main table stream shows it (fields the cue needs). */
export interface SaleImage {
  saleId: string;
  productId: string;
  productTitle?: string;
  price: number;
  currency: string;
}

export function saleCue(sale: SaleImage): Cue {
  const cue: Cue = {
    kind: 'sale',
    productId: sale.productId,
    price: sale.price,
    currency: sale.currency,
    saleId: sale.saleId,
  };
  if (sale.productTitle) cue.title = sale.productTitle;
  return cue;
}

/** A featured product's cue: its most relevant price (buy-now, else current bid, else starting bid). */
export function featuredCue(p: {
  productId: string;
  title?: string;
  currency?: string;
  buyNowPrice?: number;
  currentPrice?: number;
  startingBid?: number;
}): Cue {
  const cue: Cue = { kind: 'featured', productId: p.productId };
  const price = p.buyNowPrice ?? p.currentPrice ?? p.startingBid;
  if (price !== undefined && p.currency) {
    cue.price = price;
    cue.currency = p.currency;
  }
  if (p.title) cue.title = p.title;
  return cue;
}
