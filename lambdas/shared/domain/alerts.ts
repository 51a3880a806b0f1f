/**
 * Go-live alerts: the message, deterministic in-app notification ids (so a retried fan-out
 * overwrites instead of duplicating), batching and the email filter policy. Pure.
 */
import { createHash } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `<kind>_` + 20 Crockford base32 characters taken from `bytes` (100 bits). */
export function idFromBytes(kind: string, bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 20) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length >= 20) break;
  }
  return `${kind}_${out}`;
}

/** A random id of the platform's format (see docs/data-model.md). */
export function randomId(kind: string): string {
  return idFromBytes(kind, crypto.getRandomValues(new Uint8Array(13)));
}

/** The go-live notification id for one follower of one stream: the same on every retry. */
export function goLiveNotificationId(streamId: string, followerId: string): string {
  return idFromBytes('ntf', createHash('sha256').update(`${streamId}:${followerId}`).digest());
}

export interface GoLiveInput {
  handle: string;
  displayName?: string;
  title?: string;
  goingLiveMessage?: string;
  webUrl: string;
}

/** Title, body and link of a go-live alert; the streamer's own message wins when set. */
export function goLiveMessage(input: GoLiveInput): { subject: string; body: string; link: string } {
  const name = input.displayName ?? input.handle;
  const link = `${input.webUrl.replace(/\/+$/, '')}/s/${encodeURIComponent(input.handle)}`;
  const body = input.goingLiveMessage?.trim() || (input.title ? `${name} is live: ${input.title}` : `${name} is live now`);
  // SNS email subjects: ASCII-ish, under 100 characters, no line breaks.
  const subject = `${name} is live`.replace(/[\r\n]+/g, ' ').slice(0, 99);
  return { subject, body, link };
}

/** The email subscription filter: deliver only this streamer's alerts. */
export function streamerFilterPolicy(streamerId: string): string {
  return JSON.stringify({ streamerId: [streamerId] });
}

export const NOTIFICATION_TTL_SECONDS = 90 * 24 * 3600;

export const alertPreferenceKey = (userId: string, streamerId: string) =>
  ({ PK: `USER#${userId}`, SK: `ALERTPREF#${streamerId}` }) as const;

/** Splits `items` into arrays of at most `size` (BatchWriteItem takes 25). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `work` over `items` with at most `concurrency` in flight; rejects on the first failure. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(runners);
  return results;
}
