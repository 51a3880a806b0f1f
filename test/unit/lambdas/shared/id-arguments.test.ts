/**
 * Regressions from the GraphQL fuzzer (test/integration/fuzz): an id argument of 100,000
 * characters reached DynamoDB as a key and came back INTERNAL ("Something went wrong on our
 * side") from chat-token, chat-moderation, alert-preferences and social (follow, unfollow, streamer). idArgument refuses it at the edge
 * with a typed VALIDATION error naming the field, before any AWS call.
 */
import { IvschatClient } from '@aws-sdk/client-ivschat';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as alertPreferences } from '../../../../lambdas/alert-preferences/handler';
import { handler as chatModeration } from '../../../../lambdas/chat-moderation/handler';
import { handler as chatToken } from '../../../../lambdas/chat-token/handler';
import { handler as social } from '../../../../lambdas/social/handler';
import { MAX_ID_LENGTH, idArgument } from '../../../../lambdas/shared/appsync-event';
import { DomainError } from '../../../../lambdas/shared/errors';

const ddb = mockClient(DynamoDBDocumentClient);
const chat = mockClient(IvschatClient);
const HUGE = 'x'.repeat(100_000);
const identity = { sub: 'u1', username: 'u1', claims: { handle: 'ann', email: 'ann@example.com' } };
const event = <A>(fieldName: string, args: A) => ({
  arguments: args,
  identity,
  source: null,
  info: { fieldName, parentTypeName: 'Mutation' },
});

describe('id arguments of Lambda-backed fields', () => {
  beforeEach(() => {
    ddb.reset();
    chat.reset();
    Object.assign(process.env, { TABLE_NAME: 'Main' });
  });

  it('idArgument passes an id and refuses a missing, blank or over-long one with VALIDATION naming the field', () => {
    expect(idArgument('prd_7M2Q9XK4D1HZC0B8TNVW', 'productId')).toBe('prd_7M2Q9XK4D1HZC0B8TNVW');
    for (const bad of [undefined, null, 12345, '', '   ', 'x'.repeat(MAX_ID_LENGTH + 1)]) {
      expect(() => idArgument(bad, 'channelId')).toThrow(
        expect.objectContaining({ code: 'VALIDATION', details: { field: 'channelId' } }),
      );
    }
    expect(() => idArgument(HUGE, 'userId')).toThrow(DomainError);
  });

  it('createChatToken, timeoutUser, banUser, unbanUser, setAlertPreference, follow and unfollow answer VALIDATION for a 100,000-character id, without calling AWS', async () => {
    const answers = [
      await chatToken(event('createChatToken', { channelId: HUGE })),
      await chatModeration(event('timeoutUser', { channelId: HUGE, userId: 'u2', seconds: 60 })),
      await chatModeration(event('banUser', { channelId: 'c1', userId: HUGE })),
      await chatModeration(event('unbanUser', { channelId: 'c1', userId: HUGE })),
      await alertPreferences(event('setAlertPreference', { streamerId: HUGE, email: false })),
      await social(event('follow', { streamerId: HUGE })),
      await social(event('unfollow', { streamerId: HUGE })),
    ];
    for (const answer of answers) {
      expect(answer).toMatchObject({ error: { type: 'VALIDATION', message: expect.stringMatching(/^[A-Z].*\.$/) } });
    }
    // banUser and unbanUser read the channel first; an over-long userId must not get that far either.
    expect(ddb.calls().filter((c) => JSON.stringify(c.args[0].input).includes(HUGE))).toEqual([]);
    expect(chat.calls()).toEqual([]);
  });

  it('streamer(handle) answers null for a string that is not a handle, without a lookup', async () => {
    for (const handle of [HUGE, '', 'a', '__proto__ x', 'ann#PROFILE']) {
      expect(
        await social({ ...event('streamer', { handle }), info: { fieldName: 'streamer', parentTypeName: 'Query' } }),
      ).toEqual({ data: null });
    }
    expect(ddb.calls()).toEqual([]);
  });
});
