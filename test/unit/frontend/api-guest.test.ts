import { describe, expect, it, vi } from 'vitest';
import { ApiError, hasStoredSession, postGraphql } from '../../../frontend/src/lib/api';

const storage = (items: Record<string, string>) => ({ getItem: (k: string) => items[k] ?? null });

describe('hasStoredSession', () => {
  it('sees the session Amplify stores for this app client, and only for it', () => {
    const signedIn = storage({
      'CognitoIdentityServiceProvider.client-a.LastAuthUser': 'u-1',
      'CognitoIdentityServiceProvider.client-a.u-1.idToken': 'jwt',
    });
    expect(hasStoredSession(signedIn, 'client-a')).toBe(true);
    expect(hasStoredSession(signedIn, 'client-b')).toBe(false);
    expect(hasStoredSession(storage({}), 'client-a')).toBe(false);
    expect(hasStoredSession(undefined, 'client-a')).toBe(false);
  });

  it('leaves the answer to Amplify when storage cannot be read', () => {
    const blocked = {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    };
    expect(hasStoredSession(blocked, 'client-a')).toBe(true);
  });
});

describe('postGraphql (unsigned guests, without Amplify)', () => {
  const url = 'http://127.0.0.1:4000/graphql';

  it('posts the query and variables with the unsigned-guest header and answers the data', async () => {
    const fetchImpl = vi.fn(
      async () => new Response(JSON.stringify({ data: { streamer: { handle: 'demo' } } }), { status: 200 }),
    );
    await expect(
      postGraphql(url, 'query Q($h: String!) { streamer(handle: $h) { handle } }', { h: 'demo' }, fetchImpl),
    ).resolves.toEqual({ streamer: { handle: 'demo' } });
    const [calledUrl, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(calledUrl).toBe(url);
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ 'content-type': 'application/json', Authorization: 'unsigned-guest' });
    expect(JSON.parse(String(init.body))).toEqual({
      query: 'query Q($h: String!) { streamer(handle: $h) { handle } }',
      variables: { h: 'demo' },
    });
  });

  it('turns GraphQL errors into an ApiError with the message and errorType', async () => {
    const fetchImpl = async () =>
      new Response(
        JSON.stringify({ data: null, errors: [{ message: 'Sign in to bid.', errorType: 'Unauthorized' }] }),
        { status: 200 },
      );
    const error = await postGraphql(url, '{ x }', {}, fetchImpl).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ message: 'Sign in to bid.', errorType: 'Unauthorized' });
  });

  it('says the connection failed when the request cannot be sent', async () => {
    const fetchImpl = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(postGraphql(url, '{ x }', {}, fetchImpl)).rejects.toThrow('Network error: check your connection');
  });

  it('answers a sentence for an HTTP failure without a GraphQL body', async () => {
    const fetchImpl = async () => new Response('<html>Bad gateway</html>', { status: 502 });
    await expect(postGraphql(url, '{ x }', {}, fetchImpl)).rejects.toThrow(
      'The service did not answer as expected (HTTP 502). Try again in a moment.',
    );
  });
});
