/**
 * Go-live alerts: the message, deterministic in-app notification ids (so a retried fan-out
 * overwrites instead of duplicating), batching, the email opt-in key layout, the SES template and
 * the one-click unsubscribe link. Pure.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { idFromBytes } from './ids';
import { userEmailAlertsPk } from './keys';

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
  const body =
    input.goingLiveMessage?.trim() || (input.title ? `${name} is live: ${input.title}` : `${name} is live now`);
  // One line for the email Subject header and the in-app title.
  const subject = `${name} is live`.replace(/[\r\n]+/g, ' ').slice(0, 99);
  return { subject, body, link };
}

export const NOTIFICATION_TTL_SECONDS = 90 * 24 * 3600;

/**
 * GSI2 keys of a streamer's email opt-in: a preference item carries them only while its email alert
 * is on (sparse), so the fan-out pages exactly the addresses to send to.
 */
export const emailOptInIndexKeys = (streamerId: string, userId: string) =>
  ({ GSI2PK: userEmailAlertsPk(streamerId), GSI2SK: userId }) as const;

/** The go-live fan-out's continuation event: "send the email page `page` of stream `streamId`". */
export const EMAIL_PAGE_EVENT = { source: 'lvs.alerts', detailType: 'Go-Live Email Page' } as const;

/** SendBulkEmail takes at most 50 destinations per call. */
export const MAX_BULK_DESTINATIONS = 50;

/** A new unsubscribe token: 256 random bits, base64url. Stored on the opt-in; the link carries it. */
export function newUnsubscribeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares a presented token with the stored one in constant time. */
export function unsubscribeTokenMatches(stored: string | undefined, presented: string): boolean {
  if (!stored) return false;
  const a = Buffer.from(stored);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The one-click unsubscribe link of one opt-in (RFC 8058: the same URL answers GET and POST). */
export function unsubscribeUrl(baseUrl: string, userId: string, streamerId: string, token: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('u', userId);
  url.searchParams.set('s', streamerId);
  url.searchParams.set('t', token);
  return url.toString();
}

/**
 * The go-live email template (SES template syntax, `{{name}}` replaced per message). Created by the
 * stack (AWS::SES::Template) and by the local mode from this one definition. Default data per
 * stream: subject, body, link, name; per destination: unsubscribeUrl.
 */
export const GO_LIVE_EMAIL_TEMPLATE = {
  subject: '{{subject}}',
  text: '{{body}}\n\nWatch: {{link}}\n\nYou get this because you turned on email alerts for {{name}}. Unsubscribe: {{unsubscribeUrl}}\n',
  html:
    '<p>{{body}}</p><p><a href="{{link}}">Watch {{name}} live</a></p>' +
    '<p style="font-size:12px;color:#666">You get this because you turned on email alerts for {{name}}. ' +
    '<a href="{{unsubscribeUrl}}">Unsubscribe</a></p>',
} as const;

/** Splits `items` into arrays of at most `size` (BatchWriteItem takes 25). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `work` over `items` with at most `concurrency` in flight; rejects on the first failure. */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
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
