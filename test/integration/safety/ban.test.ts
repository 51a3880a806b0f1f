/**
 * A platform ban on the local mode (startLocalPlatform, the real cognito-local behind it): an admin
 * bans a reported viewer; from then on the viewer cannot sign in, their refresh token is refused,
 * and the tokens they still hold get a sentence instead of a chat token or a bid (the account gate
 * every mutation runs first). Lifting the ban lets them sign in, chat and bid again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_BANNED } from '../../../lambdas/shared/domain/safety';
import { addAdmin } from '../../../local/auth/admins';
import { CognitoApiError, provisionChannel, signIn, type LocalSession } from '../../../local/client';
import type { LocalPlatform } from '../../../local/start';
import {
  account,
  PASSWORD,
  rawGql,
  removeDataDir,
  startPlatform,
  SETUP_TIMEOUT_MS,
  type RawAnswer,
} from '../faults/support';

let platform: LocalPlatform;
let dataDir: string;
let sam: LocalSession; // the streamer
let bob: LocalSession; // the viewer who gets banned
let admin: LocalSession;
let bobRefreshToken: string;
let productId: string;

// GraphQL and Cognito answers are checked by value; their static shape adds nothing here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const url = () => platform.endpoints.graphqlUrl;
const as = (who: LocalSession, query: string, variables: Record<string, unknown> = {}): Promise<RawAnswer<Loose>> =>
  rawGql(url(), query, variables, who.idToken);
const ok = async (who: LocalSession, query: string, variables: Record<string, unknown> = {}) => {
  const a = await as(who, query, variables);
  if (a.errors?.length) throw new Error(`${a.errors[0]?.errorType}: ${a.errors[0]?.message}`);
  return a.data;
};

/** A Cognito user pool API call as the web app's aws-amplify code makes it (no credentials). */
async function cognitoCall(target: string, body: unknown): Promise<{ status: number; json: Loose }> {
  const res = await fetch(platform.endpoints.cognitoUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
const refresh = () =>
  cognitoCall('InitiateAuth', {
    ClientId: platform.userPoolClientId,
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: bobRefreshToken },
  });
const signInAs = (email: string) =>
  signIn({ cognitoUrl: platform.endpoints.cognitoUrl, clientId: platform.userPoolClientId, email, password: PASSWORD });

const CHAT = 'mutation($c: ID!) { createChatToken(channelId: $c) { token role } }';
const BID = 'mutation($i: PlaceBidInput!) { placeBid(input: $i) { bidId amount bidderHandle } }';
const bid = (who: LocalSession, amount: number) =>
  as(who, BID, { i: { productId, amount, bidId: `bid-${who.sub.slice(0, 8)}-${amount}` } });

beforeAll(async () => {
  ({ platform, dataDir } = await startPlatform(undefined, { scheduleEveryMs: 60_000 }));
  sam = await account(platform, 'sam@example.com', 'sam');
  bob = await account(platform, 'bob@example.com', 'bob');
  await account(platform, 'ada@example.com', 'ada');
  await addAdmin({ cognitoUrl: platform.endpoints.cognitoUrl, userPoolId: platform.userPoolId }, 'ada@example.com');
  admin = await signInAs('ada@example.com');
  await provisionChannel(url(), sam.idToken, 'sam');
  const created = await ok(sam, 'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }', {
    i: {
      channelId: sam.sub,
      title: 'Signed poster',
      type: 'GENERIC',
      saleMode: 'AUCTION',
      currency: 'USD',
      startingBid: 1000,
      durationSeconds: 600,
    },
  });
  productId = created.createProduct.productId;
  await ok(sam, 'mutation($p: ID!) { startAuction(productId: $p) { status } }', { p: productId });
  const signedIn = await cognitoCall('InitiateAuth', {
    ClientId: platform.userPoolClientId,
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: 'bob@example.com', PASSWORD },
  });
  bobRefreshToken = signedIn.json.AuthenticationResult.RefreshToken;
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await platform?.stop();
  removeDataDir(dataDir);
});

describe('a platform ban', () => {
  it('before the ban, the viewer chats, bids and refreshes their session', async () => {
    expect((await as(bob, CHAT, { c: sam.sub })).errors).toBeUndefined();
    expect((await bid(bob, 1000)).errors).toBeUndefined();
    expect((await refresh()).status).toBe(200);
  });

  it('keeps the banned account out: no sign-in, no refresh, and its tokens get a sentence', async () => {
    await ok(sam, 'mutation($i: ReportInput!) { reportContent(input: $i) { targetId } }', {
      i: { kind: 'USER', userId: bob.sub, reason: 'SPAM', details: null },
    });
    const banned = await ok(admin, 'mutation($i: ResolveReportInput!) { resolveReport(input: $i) { status } }', {
      i: { targetId: `USER#${bob.sub}`, action: 'BAN', reason: 'Spam links in every chat.' },
    });
    expect(banned.resolveReport.status).toBe('BANNED');

    const signInError = await signInAs('bob@example.com').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(signInError).toBeInstanceOf(CognitoApiError);
    expect((signInError as CognitoApiError).type).toBe('NotAuthorizedException');
    const refreshed = await refresh();
    expect(refreshed.status).not.toBe(200);
    expect(String(refreshed.json.__type ?? refreshed.json.code)).toMatch(/NotAuthorizedException$/);

    const chat = await as(bob, CHAT, { c: sam.sub });
    expect(chat.errors?.[0]).toMatchObject({ errorType: ACCOUNT_BANNED });
    expect(chat.errors?.[0]?.message).toContain('Spam links in every chat.');
    const bidAnswer = await bid(bob, 1200);
    expect(bidAnswer.errors?.[0]).toMatchObject({ errorType: ACCOUNT_BANNED });
    expect(bidAnswer.errors?.[0]?.message).toMatch(/banned by our team/);
    const follow = await as(bob, 'mutation($s: ID!) { follow(streamerId: $s) { following } }', { s: sam.sub });
    expect(follow.errors?.[0]?.errorType).toBe(ACCOUNT_BANNED);
    // Reading stays open, as it is for guests.
    expect(
      (await as(bob, 'query($h: String!) { streamer(handle: $h) { handle } }', { h: 'sam' })).errors,
    ).toBeUndefined();
    // Everyone else bids as before.
    expect((await bid(admin, 1300)).errors).toBeUndefined();
  });

  it('lifting the ban lets the account sign in, chat and bid again', async () => {
    await ok(admin, 'mutation($u: ID!, $r: String!) { liftSuspension(userId: $u, reason: $r) { banned } }', {
      u: bob.sub,
      r: 'Appeal accepted: the links were a friend using the account.',
    });
    const again = await signInAs('bob@example.com');
    expect((await as(again, CHAT, { c: sam.sub })).errors).toBeUndefined();
    const answer = await bid(again, 1500);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.placeBid).toMatchObject({ amount: 1500, bidderHandle: 'bob' });
  });
});
