import { describe, expect, it } from 'vitest';
import { CognitoApiError, GraphqlError, ProvisioningFailedError } from '../../../local/client';
import { DemoSetupError, demoStep, isRetryable } from '../../../local/demo';

const internal = () =>
  new GraphqlError([{ message: 'Something went wrong on our side; please try again.', errorType: 'INTERNAL' }], 200);

describe('demo setup steps', () => {
  it('retry what a client may retry and answer once the step succeeds', async () => {
    let calls = 0;
    const said: string[] = [];
    const result = await demoStep(
      'create the demo products',
      async () => {
        calls++;
        if (calls < 3) throw internal();
        return 'done';
      },
      { baseDelayMs: 1, say: (line) => said.push(line) },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(said).toHaveLength(2);
    expect(said[0]).toContain('create the demo products failed (INTERNAL');
  });

  it('stop at once on a refusal, naming the step and the reason', async () => {
    let calls = 0;
    const failing = demoStep(
      'read the demo stream key',
      async () => {
        calls++;
        throw new GraphqlError([{ message: 'Not signed in', errorType: 'Unauthorized' }], 401);
      },
      { baseDelayMs: 1 },
    );
    await expect(failing).rejects.toThrow(DemoSetupError);
    await expect(failing).rejects.toThrow(
      'Demo setup failed at "read the demo stream key" after 1 attempt: Unauthorized: Not signed in',
    );
    expect(calls).toBe(1);
  });

  it('give up after the last attempt with how many were made', async () => {
    await expect(
      demoStep(
        'provision the demo channel',
        async () => {
          throw internal();
        },
        { attempts: 3, baseDelayMs: 1 },
      ),
    ).rejects.toMatchObject({ name: 'DemoSetupError', step: 'provision the demo channel', attempts: 3 });
  });

  it('tell retryable failures from refusals', () => {
    expect(isRetryable(internal())).toBe(true);
    expect(
      isRetryable(
        new GraphqlError(
          [
            { message: 'x', errorType: 'INTERNAL' },
            { message: 'y', errorType: 'ValidationError' },
          ],
          200,
        ),
      ),
    ).toBe(false);
    expect(isRetryable(new ProvisioningFailedError('IVS throttled'))).toBe(true);
    expect(
      isRetryable(new CognitoApiError('InitiateAuth', 'UserLambdaValidationException', 400, 'trigger failed')),
    ).toBe(true);
    expect(isRetryable(new CognitoApiError('SignUp', 'InvalidPasswordException', 400, 'too short'))).toBe(false);
    expect(isRetryable(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toBe(true);
    expect(isRetryable(new Error('no confirmation code for a@b.c'))).toBe(false);
  });
});
