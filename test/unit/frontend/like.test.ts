import { describe, expect, it } from 'vitest';
import { isRetryableLikeError, likeOnce } from '../../../frontend/src/features/profile/like';
import { CLIENT_LIKE_ID_PATTERN } from '../../../lambdas/shared/domain/likes';

const refusal = (errorType?: string) => Object.assign(new Error('refused'), errorType ? { errorType } : {});
const noWait = async () => undefined;

describe('like button: one id per tap, reused on retry', () => {
  it('retries a lost race and a lost answer with the same id, then answers the total', async () => {
    const ids: string[] = [];
    const answers = [refusal('CONFLICT'), refusal()];
    let n = 0;
    const total = await likeOnce(
      async (id) => {
        ids.push(id);
        const a = answers[n++];
        if (a) throw a;
        return 7;
      },
      { newId: () => `tap-${ids.length}-${Math.random()}`, wait: noWait },
    );
    expect(total).toBe(7);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
  });

  it('does not retry a refusal a repeat cannot change (the stream ended)', async () => {
    let calls = 0;
    await expect(
      likeOnce(
        async () => {
          calls++;
          throw refusal('NOT_LIVE');
        },
        { wait: noWait },
      ),
    ).rejects.toMatchObject({ errorType: 'NOT_LIVE' });
    expect(calls).toBe(1);
  });

  it('gives up after its attempts with the last error', async () => {
    let calls = 0;
    await expect(
      likeOnce(
        async () => {
          calls++;
          throw refusal('Unavailable');
        },
        { attempts: 3, wait: noWait },
      ),
    ).rejects.toMatchObject({ errorType: 'Unavailable' });
    expect(calls).toBe(3);
  });

  it('two taps are two ids', async () => {
    const ids: string[] = [];
    await likeOnce(async (id) => {
      ids.push(id);
      return 1;
    });
    await likeOnce(async (id) => {
      ids.push(id);
      return 2;
    });
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[0]).toMatch(new RegExp(`^(?:${CLIENT_LIKE_ID_PATTERN})$`));
  });

  it('retryable: CONFLICT, Unavailable and no answer; not NOT_LIVE, VALIDATION or sign-in', () => {
    expect([refusal('CONFLICT'), refusal('Unavailable'), refusal()].map(isRetryableLikeError)).toEqual([
      true,
      true,
      true,
    ]);
    expect(
      [refusal('NOT_LIVE'), refusal('VALIDATION'), refusal('SignInRequired'), refusal('UNAUTHORIZED')].map(
        isRetryableLikeError,
      ),
    ).toEqual([false, false, false, false]);
  });
});
