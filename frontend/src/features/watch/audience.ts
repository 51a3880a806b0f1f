/**
 * The watch page's audience rules as the viewer meets them: the age gate's consent, remembered on
 * the device for the stage's TTL, and what the page says instead of the player when the stream is
 * not for this viewer (the video service refuses them anyway: docs/safety.md).
 */

/** Where the consent is kept: one timestamp (ms) until which it holds, for every 18+ stream. */
export const AGE_CONSENT_KEY = 'bidstream.ageConsentUntil';

/** The slice of Storage the gate uses (localStorage in the page, a Map in tests). */
export interface ConsentStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Whether the viewer confirmed their age and the consent has not expired. */
export function hasAgeConsent(store: ConsentStore | undefined, now = Date.now()): boolean {
  const until = Number(store?.getItem(AGE_CONSENT_KEY) ?? '');
  return Number.isFinite(until) && until > now;
}

/** Remembers the consent for `days` days; a store that refuses (private mode, quota) leaves it for this visit only. */
export function rememberAgeConsent(store: ConsentStore | undefined, days: number, now = Date.now()): void {
  try {
    store?.setItem(AGE_CONSENT_KEY, String(now + days * 86_400_000));
  } catch {
    // The page still lets this visit through; the next one asks again.
  }
}

/** Why the player is not shown: PlaybackAccessStatus values other than ALLOWED and OFFLINE. */
export type AccessRefusal = 'FOLLOW_REQUIRED' | 'PRIVATE' | 'PREVIEW';

/** The card's title and sentence for each refusal. */
export const REFUSAL_COPY: Record<AccessRefusal, { title: string; body: string }> = {
  FOLLOW_REQUIRED: {
    title: 'Follow to watch',
    body: 'This stream is for followers. Follow the channel to watch, chat and shop.',
  },
  PRIVATE: { title: 'This stream is private', body: 'Only people the streamer invited can watch it.' },
  PREVIEW: {
    title: 'Starting soon',
    body: 'The streamer is checking the picture. The stream opens here when they go public.',
  },
};
