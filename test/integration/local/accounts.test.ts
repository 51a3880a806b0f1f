/**
 * Sign-up, handles and channel provisioning on the local mode (startLocalPlatform: local Cognito
 * with the account triggers, the table stream starting provisioning runs, the local IVS): a viewer
 * gets no channel; two concurrent Studio opens make exactly one; a user cannot give themselves
 * another user's handle, and what they may write is what the app client allows.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IvsClient, ListChannelsCommand } from '@aws-sdk/client-ivs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, provisionChannel, signIn, signUpAndIn, type LocalSession } from '../../../local/client';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { startLocalPlatform, type LocalPlatform } from '../../../local/start';

const PASSWORD = 'Local-Test-Pass-1!';
let platform: LocalPlatform;
let dataDir: string;
let ivs: IvsClient;
let viewer: LocalSession;
let streamer: LocalSession;

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
const account = (email: string, handle: string) =>
  signUpAndIn({
    cognitoUrl: platform.endpoints.cognitoUrl,
    clientId: platform.userPoolClientId,
    outboxDir: join(dataDir, 'outbox'),
    email,
    password: PASSWORD,
    handle,
  });
async function updateAttributes(
  session: LocalSession,
  attrs: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(platform.endpoints.cognitoUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.UpdateUserAttributes',
    },
    body: JSON.stringify({
      AccessToken: session.accessToken,
      UserAttributes: Object.entries(attrs).map(([Name, Value]) => ({ Name, Value })),
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
async function channelsOf(userId: string): Promise<number> {
  const { channels } = await ivs.send(new ListChannelsCommand({ filterByName: `local-${userId}` }));
  return (channels ?? []).filter((c) => c.tags?.owner === userId).length;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'local-accounts-'));
  platform = await startLocalPlatform({ dataDir, ports: 'free', scheduleEveryMs: 60_000, log: () => undefined });
  ivs = new IvsClient({ endpoint: platform.endpoints.ivsUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  // Two accounts for the whole file: cognito-local sometimes holds a sign-up's code log line until
  // its next output, which a run of several back-to-back sign-ups can hit.
  viewer = await account('vera@example.com', 'vera');
  streamer = await account('sam@example.com', 'sam');
}, 240_000);

afterAll(async () => {
  ivs?.destroy();
  await platform?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('accounts and provisioning on the local mode', () => {
  it("a viewer's sign-up claims the handle and creates no channel", async () => {
    await platform.settled();

    expect(claimsOf(viewer.idToken)).toMatchObject({ handle: 'vera' });
    expect(await channelsOf(viewer.sub)).toBe(0);
    expect(
      await gql(platform.endpoints.graphqlUrl, '{ me { userId } myProvisioning { status } }', {}, viewer.idToken),
    ).toEqual({ me: null, myProvisioning: null });
  });

  it('two concurrent Studio opens make exactly one channel, READY with its ingest and stream key', async () => {
    const e = platform.endpoints;

    const [a, b] = await Promise.all([
      provisionChannel(e.graphqlUrl, streamer.idToken),
      provisionChannel(e.graphqlUrl, streamer.idToken),
    ]);
    await platform.settled();

    expect(a).toEqual({ userId: streamer.sub, handle: 'sam' });
    expect(b).toEqual(a);
    expect(await channelsOf(streamer.sub)).toBe(1);
    const { myStreamKey } = await gql<{ myStreamKey: { ingestServer: string; streamKey: string; url: string } }>(
      e.graphqlUrl,
      '{ myStreamKey { ingestServer streamKey url } }',
      {},
      streamer.idToken,
    );
    expect(myStreamKey.streamKey).toMatch(/^sk_/);
    expect(myStreamKey.url).toBe(myStreamKey.ingestServer + myStreamKey.streamKey);
    // Opening the Studio again later changes nothing.
    await expect(provisionChannel(e.graphqlUrl, streamer.idToken)).resolves.toEqual(a);
    expect(await channelsOf(streamer.sub)).toBe(1);
  });

  it('refuses writes the app client does not allow; a changed preferred_username never becomes the handle on a bid', async () => {
    const e = platform.endpoints;
    const seller = streamer;
    await provisionChannel(e.graphqlUrl, seller.idToken);
    const mallory = viewer;

    const notWritable: Record<string, string>[] = [{ 'custom:role': 'admin' }, { name: 'Sam Official' }];
    for (const attrs of notWritable) {
      const refused = await updateAttributes(mallory, attrs);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ __type: 'NotAuthorizedException' });
    }
    // preferred_username stays client-writable (Cognito requires it for a required attribute), so
    // the platform must not trust it: the token's handle claim is the account item's.
    expect((await updateAttributes(mallory, { preferred_username: 'sam' })).status).toBe(200);
    const again = await signIn({
      cognitoUrl: e.cognitoUrl,
      clientId: platform.userPoolClientId,
      email: 'vera@example.com',
      password: PASSWORD,
    });
    expect(claimsOf(again.idToken)).toMatchObject({ preferred_username: 'sam', handle: 'vera' });

    const { createProduct } = await gql<{ createProduct: { productId: string } }>(
      e.graphqlUrl,
      'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
      {
        i: {
          channelId: seller.sub,
          title: 'Signed card',
          type: 'GENERIC',
          saleMode: 'AUCTION',
          currency: 'USD',
          startingBid: 100,
          durationSeconds: 300,
        },
      },
      seller.idToken,
    );
    await gql(
      e.graphqlUrl,
      'mutation($p: ID!) { startAuction(productId: $p) { status } }',
      { p: createProduct.productId },
      seller.idToken,
    );
    const { placeBid } = await gql<{ placeBid: { bidderHandle: string } }>(
      e.graphqlUrl,
      'mutation($i: PlaceBidInput!) { placeBid(input: $i) { bidderHandle } }',
      {
        i: { productId: createProduct.productId, amount: 100, bidId: `bid-${randomUUID()}` },
      },
      again.idToken,
    );
    expect(placeBid.bidderHandle).toBe('vera');
  });
});
