/**
 * The local platform stopped and started again on the same data directory (what Ctrl-C and a
 * second `npm start` do): accounts still sign in with the same identity, and the channel, its
 * stream key, products, the sale (stamped onto the stream and its recording), follows, the
 * recording and its replay, and the moderation state (ban, timeout, chat settings, the log) are
 * all still there; the banned user still gets no chat token and the old stream key still goes live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, signIn, type LocalSession } from '../../../local/client';
import { provisionChannel } from '../../../local/client';
import { portsOf, type LocalPlatform } from '../../../local/start';
import { publish, type Publisher } from '../local/ivs/helpers';
import { account, PASSWORD, rawGql, removeDataDir, startPlatform, until, SETUP_TIMEOUT_MS } from './support';

let platform: LocalPlatform | undefined;
let dataDir: string;
const publishers: Publisher[] = [];
const users: Record<'host' | 'fan' | 'troll' | 'chatty', LocalSession> = {} as never;
const EMAIL = {
  host: 'host@example.com',
  fan: 'fan@example.com',
  troll: 'troll@example.com',
  chatty: 'chatty@example.com',
} as const;

const url = () => (platform as LocalPlatform).endpoints.graphqlUrl;
const q = <T>(query: string, who?: LocalSession, variables: Record<string, unknown> = {}) =>
  gql<T>(url(), query, variables, who?.idToken);

/**
 * The replay's URL without its signature, which is minted per request (its policy runs out a fixed
 * time after it), and whether it was signed.
 */
function withoutSignature<T extends { replay: { playbackUrl: string } }>(answer: T): T & { signed: boolean } {
  const url = new URL(answer.replay.playbackUrl);
  const signed = url.searchParams.has('Signature') && url.searchParams.has('Policy');
  for (const name of ['Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm']) url.searchParams.delete(name);
  return { ...answer, replay: { ...answer.replay, playbackUrl: url.toString() }, signed };
}

/** Everything the restart must keep, read through the API as the web app reads it. */
async function snapshot(streamId: string, recordingId: string): Promise<Record<string, unknown>> {
  const { host, fan } = users;
  const channelId = host.sub;
  return {
    streamer: await q(
      'query($h: String!) { streamer(handle: $h) { userId handle title category tags followerCount } }',
      undefined,
      { h: 'host' },
    ),
    streamKey: await q('{ myStreamKey { streamKey ingestServer createdAt } }', host),
    products: await q(
      'query($c: ID!) { products(channelId: $c) { productId title status saleMode currentPrice buyNowPrice bidCount } }',
      undefined,
      { c: channelId },
    ),
    sales: await q(
      'query($s: ID!) { salesOfStream(streamId: $s) { items { saleId kind productId buyerId price streamId recordingId offsetMs soldAt } } }',
      undefined,
      { s: streamId },
    ),
    purchases: await q('{ myPurchases { items { orderId saleId productId price soldAt } } }', fan),
    following: await q('{ following { items { userId handle since } } }', fan),
    followers: await q('query($s: ID!) { followers(streamerId: $s) { items { userId handle since } } }', undefined, {
      s: channelId,
    }),
    recordings: await q(
      'query($u: ID!) { recordings(userId: $u) { items { recordingId streamId state startedAt endedAt durationMs saleCount } } }',
      undefined,
      { u: channelId },
    ),
    replay: withoutSignature(
      await q<{ replay: { playbackUrl: string } }>(
        'query($r: ID!) { replay(recordingId: $r) { status playbackUrl sales { saleId offsetMs } } }',
        undefined,
        { r: recordingId },
      ),
    ),
    bans: await q('query($c: ID!) { bans(channelId: $c) { userId handle since reason } }', host, { c: channelId }),
    chatSettings: await q(
      'query($c: ID!) { chatSettings(channelId: $c) { slowModeSeconds blockedWords blockedWordsAction } }',
      undefined,
      { c: channelId },
    ),
    moderationLog: await q(
      'query($c: ID!) { moderationLog(channelId: $c) { items { entryId action targetUserId durationSeconds reason at } } }',
      host,
      { c: channelId },
    ),
  };
}

/** Whether a chat message from `who` reaches the room, through the real IVS Chat client. */
async function chatSend(who: LocalSession, content: string): Promise<'sent' | string> {
  const { ChatRoom, SendMessageRequest } = await import('amazon-ivs-chat-messaging');
  const room = new ChatRoom({
    regionOrUrl: (platform as LocalPlatform).endpoints.chatUrl,
    tokenProvider: async () => {
      const { createChatToken: t } = await q<{
        createChatToken: { token: string; sessionExpirationTime: string; tokenExpirationTime: string };
      }>(
        'query($c: ID!) { createChatToken(channelId: $c) { token sessionExpirationTime tokenExpirationTime } }'.replace(
          'query',
          'mutation',
        ),
        who,
        { c: users.host.sub },
      );
      return {
        token: t.token,
        sessionExpirationTime: new Date(t.sessionExpirationTime),
        tokenExpirationTime: new Date(t.tokenExpirationTime),
      };
    },
  });
  const connected = new Promise<void>((resolve) => room.addListener('connect', () => resolve()));
  room.connect();
  await connected;
  try {
    await room.sendMessage(new SendMessageRequest(content));
    return 'sent';
  } catch (error) {
    return (error as { errorMessage?: string }).errorMessage ?? String(error);
  } finally {
    room.disconnect();
  }
}

let before: Record<string, unknown>;
let streamId: string;
let recordingId: string;
let streamKey: string;

beforeAll(async () => {
  ({ platform, dataDir } = await startPlatform());
  for (const name of Object.keys(EMAIL) as (keyof typeof EMAIL)[])
    users[name] = await account(platform, EMAIL[name], name);
  const { host, fan, troll, chatty } = users;
  await provisionChannel(url(), host.idToken, 'host');
  await q('mutation($i: UpdateStreamDetailsInput!) { updateStreamDetails(input: $i) { title } }', host, {
    i: { title: 'Sunday vinyl', category: 'Music', tags: ['vinyl', 'records'] },
  });
  await q('mutation($s: ID!) { follow(streamerId: $s) { following } }', fan, { s: host.sub });
  streamKey = (await q<{ myStreamKey: { streamKey: string } }>('{ myStreamKey { streamKey } }', host)).myStreamKey
    .streamKey;

  // A show: live, a sale during it, then the end, so the sale is stamped onto the stream and its recording.
  const show = publish(`${platform.endpoints.rtmpUrl}${streamKey}`);
  publishers.push(show);
  streamId = (await until(
    'the show to go live',
    async () => {
      const s = (
        await q<{ streamer: { status: string; currentStreamId: string | null } }>(
          '{ streamer(handle: "host") { status currentStreamId } }',
        )
      ).streamer;
      return s.status === 'LIVE' ? s.currentStreamId : undefined;
    },
    60_000,
  )) as string;
  // The sale waits for the recording to start, so it is stamped with the recording and its offset.
  await until(
    'the recording to start',
    async () => {
      const r = await q<{ recordings: { items: { streamId: string; state: string }[] } }>(
        'query($u: ID!) { recordings(userId: $u) { items { streamId state } } }',
        undefined,
        { u: host.sub },
      );
      return r.recordings.items.some((i) => i.streamId === streamId);
    },
    60_000,
    500,
  );
  const { createProduct } = await q<{ createProduct: { productId: string } }>(
    'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
    host,
    {
      i: {
        channelId: host.sub,
        title: 'First pressing',
        type: 'GENERIC',
        saleMode: 'AUCTION_WITH_BUY_NOW',
        currency: 'EUR',
        startingBid: 500,
        buyNowPrice: 4000,
        durationSeconds: 600,
      },
    },
  );
  await q('mutation($p: ID!) { startAuction(productId: $p) { productId } }', host, { p: createProduct.productId });
  await q('mutation($i: PlaceBidInput!) { placeBid(input: $i) { amount } }', troll, {
    i: { productId: createProduct.productId, amount: 500, bidId: 'restart-bid-0001' },
  });
  await q('mutation($p: ID!) { buyNow(productId: $p) { saleId } }', fan, { p: createProduct.productId });
  await q('mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }', host, {
    i: {
      channelId: host.sub,
      title: 'Sleeve set',
      type: 'GENERIC',
      saleMode: 'BUY_NOW',
      currency: 'EUR',
      buyNowPrice: 900,
    },
  });
  await new Promise((r) => setTimeout(r, 3000));
  await show.stop();
  recordingId = (await until(
    'the recording to be indexed',
    async () => {
      const r = await q<{
        recordings: { items: { recordingId: string; streamId: string; state: string; saleCount: number }[] };
      }>('query($u: ID!) { recordings(userId: $u) { items { recordingId streamId state saleCount } } }', undefined, {
        u: host.sub,
      });
      return r.recordings.items.find((i) => i.streamId === streamId && i.state === 'AVAILABLE' && i.saleCount === 1)
        ?.recordingId;
    },
    90_000,
    500,
  )) as string;

  await q('mutation($c: ID!, $u: ID!) { banUser(channelId: $c, userId: $u, reason: "spam links") { action } }', host, {
    c: host.sub,
    u: troll.sub,
  });
  await q(
    'mutation($c: ID!, $u: ID!) { timeoutUser(channelId: $c, userId: $u, seconds: 3600, reason: "cool off") { action } }',
    host,
    { c: host.sub, u: chatty.sub },
  );
  await q('mutation($i: UpdateChatSettingsInput!) { updateChatSettings(input: $i) { slowModeSeconds } }', host, {
    i: { channelId: host.sub, slowModeSeconds: 5, blockedWords: ['spoiler'], blockedWordsAction: 'DENY' },
  });
  await platform.settled();
  before = await snapshot(streamId, recordingId);

  const ports = portsOf(platform.endpoints);
  await platform.stop();
  platform = undefined;
  ({ platform } = await startPlatform(dataDir, { ports }));
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  for (const p of publishers) p.child.kill('SIGKILL');
  await Promise.all(publishers.map((p) => p.exited));
  await platform?.stop();
  removeDataDir(dataDir);
});

describe('local platform stopped and started on the same data directory', () => {
  it('signs the same users in', async () => {
    for (const name of Object.keys(EMAIL) as (keyof typeof EMAIL)[]) {
      const session = await signIn({
        cognitoUrl: (platform as LocalPlatform).endpoints.cognitoUrl,
        clientId: (platform as LocalPlatform).userPoolClientId,
        email: EMAIL[name],
        password: PASSWORD,
      });
      expect(session.sub, name).toBe(users[name].sub);
      users[name] = session;
    }
  });

  it('keeps the channel, products, sales, follows, recordings and moderation state', async () => {
    const after = await snapshot(streamId, recordingId);
    expect(after).toEqual(before);
    // The snapshot holds what was made, not empty answers that would also compare equal.
    expect(before).toMatchObject({
      streamer: {
        streamer: { userId: users.host.sub, title: 'Sunday vinyl', tags: ['vinyl', 'records'], followerCount: 1 },
      },
      products: {
        products: expect.arrayContaining([
          expect.objectContaining({ title: 'First pressing', status: 'SOLD', bidCount: 1 }),
          expect.objectContaining({ title: 'Sleeve set' }),
        ]),
      },
      sales: {
        salesOfStream: {
          items: [
            expect.objectContaining({ kind: 'BUY_NOW', buyerId: users.fan.sub, price: 4000, streamId, recordingId }),
          ],
        },
      },
      purchases: { myPurchases: { items: [expect.objectContaining({ price: 4000 })] } },
      following: { following: { items: [expect.objectContaining({ userId: users.host.sub })] } },
      followers: { followers: { items: [expect.objectContaining({ userId: users.fan.sub })] } },
      recordings: {
        recordings: { items: [expect.objectContaining({ recordingId, state: 'AVAILABLE', saleCount: 1 })] },
      },
      replay: {
        replay: { status: 'READY', sales: [expect.objectContaining({ saleId: expect.any(String) })] },
        signed: true,
      },
      bans: { bans: [expect.objectContaining({ userId: users.troll.sub, reason: 'spam links' })] },
      chatSettings: { chatSettings: { slowModeSeconds: 5, blockedWords: ['spoiler'], blockedWordsAction: 'DENY' } },
    });
    const actions = (
      before.moderationLog as { moderationLog: { items: { action: string }[] } }
    ).moderationLog.items.map((i) => i.action);
    expect(actions).toEqual(expect.arrayContaining(['BAN', 'TIMEOUT']));
    const { replay } = await q<{ replay: { playbackUrl: string } }>(
      'query($r: ID!) { replay(recordingId: $r) { playbackUrl } }',
      undefined,
      { r: recordingId },
    );
    expect((await fetch(replay.playbackUrl)).status).toBe(200);
  });

  it('still enforces the ban, lets others chat, and takes the same stream key live', async () => {
    const banned = await rawGql(
      url(),
      'mutation($c: ID!) { createChatToken(channelId: $c) { token } }',
      { c: users.host.sub },
      users.troll.idToken,
    );
    expect(banned.errors?.[0]?.errorType).toBe('BANNED');
    expect(await chatSend(users.fan, 'still here')).toBe('sent');

    const again = publish(`${(platform as LocalPlatform).endpoints.rtmpUrl}${streamKey}`);
    publishers.push(again);
    const live = await until(
      'the old stream key to go live',
      async () => {
        const s = (
          await q<{ streamer: { status: string; currentStreamId: string | null } }>(
            '{ streamer(handle: "host") { status currentStreamId } }',
          )
        ).streamer;
        return s.status === 'LIVE' && s.currentStreamId !== streamId ? s : undefined;
      },
      60_000,
    );
    expect(live.currentStreamId).toBeTruthy();
    await again.stop();
  }, 120_000);
});
