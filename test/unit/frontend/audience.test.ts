/** The watch page's age-gate consent: remembered for the stage's TTL, then asked again. */
import { describe, expect, it } from 'vitest';
import {
  AGE_CONSENT_KEY,
  hasAgeConsent,
  rememberAgeConsent,
  REFUSAL_COPY,
  type ConsentStore,
} from '../../../frontend/src/features/watch/audience';

const store = (): ConsentStore & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
};
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 3);

describe('age gate consent', () => {
  it('is absent until given, then holds for the configured days and not a moment longer', () => {
    const s = store();
    expect(hasAgeConsent(s, NOW)).toBe(false);
    rememberAgeConsent(s, 30, NOW);
    expect(s.data.get(AGE_CONSENT_KEY)).toBe(String(NOW + 30 * DAY));
    expect(hasAgeConsent(s, NOW + 30 * DAY - 1)).toBe(true);
    expect(hasAgeConsent(s, NOW + 30 * DAY)).toBe(false);
  });

  it('treats a missing or garbled value, or no storage at all, as no consent', () => {
    const s = store();
    s.setItem(AGE_CONSENT_KEY, 'yes');
    expect(hasAgeConsent(s, NOW)).toBe(false);
    expect(hasAgeConsent(undefined, NOW)).toBe(false);
  });

  it('survives a store that refuses to write (private mode): this visit passes, the next asks again', () => {
    const refusing: ConsentStore = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => rememberAgeConsent(refusing, 30, NOW)).not.toThrow();
    expect(hasAgeConsent(refusing, NOW)).toBe(false);
  });

  it('has a title and a sentence for each refusal', () => {
    expect(REFUSAL_COPY.FOLLOW_REQUIRED.title).toBe('Follow to watch');
    expect(REFUSAL_COPY.PRIVATE.title).toBe('This stream is private');
    expect(Object.values(REFUSAL_COPY).every((c) => c.body.endsWith('.'))).toBe(true);
  });
});
