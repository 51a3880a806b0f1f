/**
 * The local mode as a user meets it: startLocalPlatform on free ports and a temporary data dir,
 * real clients against it (HTTP/Cognito wire calls, the aws-amplify GraphQL client with its real
 * real-time subscription, the amazon-ivs-chat-messaging client) and ffmpeg pushing real RTMP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, provisionChannel, signUpAndIn, type LocalSession } from '../../../local/client';
import { startLocalPlatform, type LocalPlatform } from '../../../local/start';

let platform: LocalPlatform;
let dataDir: string;
const pushes: ChildProcess[] = [];
const PASSWORD = 'Local-Test-Pass-1!';
let streamer: LocalSession;
let fan: LocalSession;
let rival: LocalSession;

function push(url: string, seconds: number): ChildProcess {
  const p = spawn(
    'ffmpeg',
    [
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:rate=30',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440',
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-tune',
      'zerolatency',
      '-g',
      '30',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-f',
      'flv',
      url,
    ],
    { stdio: 'ignore' },
  );
  pushes.push(p);
  return p;
}
const exited = (p: ChildProcess) =>
  new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code))));
async function until<T>(probe: () => Promise<T | undefined | false>, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'local-platform-'));
  platform = await startLocalPlatform({ dataDir, ports: 'free', scheduleEveryMs: 2000, log: () => undefined });
  const e = platform.endpoints;
  const account = (email: string, handle: string) =>
    signUpAndIn({
      cognitoUrl: e.cognitoUrl,
      clientId: platform.userPoolClientId,
      outboxDir: join(dataDir, 'outbox'),
      email,
      password: PASSWORD,
      handle,
    });
  streamer = await account('ann@example.com', 'ann');
  fan = await account('bob@example.com', 'bob');
  rival = await account('cid@example.com', 'cid');
}, 240_000);

afterAll(async () => {
  for (const p of pushes) p.kill('SIGKILL');
  await platform?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local platform', () => {
  it('answers on every endpoint and serves the web app with its runtime config', async () => {
    const e = platform.endpoints;
    const page = await fetch(`${e.webUrl}/u/ann`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const cfg = (await (await fetch(`${e.webUrl}/runtime-config.json`)).json()) as Record<string, string>;
    expect(cfg).toMatchObject({
      graphqlUrl: e.graphqlUrl,
      realtimeUrl: e.realtimeUrl,
      guestAuthMode: 'unsigned',
      chatMessagingEndpoint: e.chatUrl,
      userPoolEndpoint: e.cognitoUrl,
    });
    const guest = await gql<{ liveStreams: { items: unknown[] } }>(
      e.graphqlUrl,
      '{ liveStreams { items { handle } } }',
    );
    expect(guest.liveStreams.items).toEqual([]);
    await expect(gql(e.graphqlUrl, '{ myStreamKey { streamKey } }')).rejects.toThrow(/Unauthorized|Not Authorized/);
    await expect(
      gql(e.graphqlUrl, 'mutation { publishStreamStatus(input: { channelId: "x", status: LIVE }) { channelId } }'),
    ).rejects.toThrow(/Not Authorized to access publishStreamStatus/);
  });

  it('goes live from RTMP with the right key only, alerts followers, then ends and indexes the recording', async () => {
    const e = platform.endpoints;
    await provisionChannel(e.graphqlUrl, streamer.idToken, 'ann');
    await gql(e.graphqlUrl, `mutation { follow(streamerId: "${streamer.sub}") { following } }`, {}, fan.accessToken);
    const { myStreamKey } = await gql<{ myStreamKey: { streamKey: string } }>(
      e.graphqlUrl,
      '{ myStreamKey { streamKey } }',
      {},
      streamer.accessToken,
    );

    expect(await exited(push(`${e.rtmpUrl}sk_not_a_real_key`, 5))).not.toBe(0);

    const live = push(`${e.rtmpUrl}${myStreamKey.streamKey}`, 14);
    const stream = await until(async () => {
      const r = await gql<{ liveStreams: { items: { handle: string; status: string; playbackUrl: string }[] } }>(
        e.graphqlUrl,
        '{ liveStreams { items { handle status playbackUrl } } }',
      );
      return r.liveStreams.items.find((s) => s.handle === 'ann' && s.status === 'LIVE');
    }, 'the stream to show as live');
    const playlist = await until(async () => {
      const res = await fetch(stream.playbackUrl);
      const text = res.ok ? await res.text() : '';
      return (
        text.includes('.ts') && {
          type: res.headers.get('content-type'),
          cors: res.headers.get('access-control-allow-origin'),
          text,
        }
      );
    }, 'the HLS playlist');
    expect(playlist).toMatchObject({ type: 'application/vnd.apple.mpegurl', cors: '*' });
    const inbox = await until(async () => {
      const r = await gql<{ notifications: { items: { kind: string; title: string }[] } }>(
        e.graphqlUrl,
        '{ notifications { items { kind title } } }',
        {},
        fan.accessToken,
      );
      return r.notifications.items.find((n) => n.kind === 'GO_LIVE');
    }, 'the go-live notification');
    expect(inbox.title).toContain('ann');

    await exited(live);
    await until(async () => {
      const r = await gql<{ streamer: { status: string } }>(e.graphqlUrl, '{ streamer(handle: "ann") { status } }');
      return r.streamer.status !== 'LIVE';
    }, 'the stream to end');
    const recording = await until(async () => {
      const r = await gql<{ recordings: { items: { state: string; durationMs: number | null }[] } }>(
        e.graphqlUrl,
        `{ recordings(userId: "${streamer.sub}") { items { state durationMs } } }`,
      );
      return r.recordings.items.find((i) => i.state === 'AVAILABLE');
    }, 'the recording to be indexed');
    expect(recording.durationMs).toBeGreaterThan(5_000);
  }, 120_000);

  it('runs a sale: product, bids pushed to another client over the real Amplify subscription, buy now', async () => {
    const e = platform.endpoints;
    const { Amplify } = await import('aws-amplify');
    const { generateClient } = await import('aws-amplify/api');
    const { installRealtimeRewrite } = await import('../../../frontend/src/lib/realtime-url');
    installRealtimeRewrite(e.graphqlUrl, e.realtimeUrl);
    Amplify.configure({
      Auth: {
        Cognito: {
          userPoolId: platform.userPoolId,
          userPoolClientId: platform.userPoolClientId,
          userPoolEndpoint: e.cognitoUrl,
          loginWith: { email: true },
        },
      },
      API: { GraphQL: { endpoint: e.graphqlUrl, region: 'us-east-1', defaultAuthMode: 'none' } },
    });
    const guestClient = generateClient();
    const { createProduct } = await gql<{ createProduct: { productId: string } }>(
      e.graphqlUrl,
      'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
      {
        i: {
          channelId: streamer.sub,
          title: 'Denim jacket',
          type: 'GENERIC',
          saleMode: 'AUCTION_WITH_BUY_NOW',
          currency: 'USD',
          startingBid: 1000,
          buyNowPrice: 5000,
          durationSeconds: 600,
        },
      },
      streamer.accessToken,
    );
    await gql(
      e.graphqlUrl,
      `mutation { startAuction(productId: "${createProduct.productId}") { productId } }`,
      {},
      streamer.accessToken,
    );

    const seen: number[] = [];
    const sub = (
      guestClient.graphql(
        {
          query: `subscription { onBidPlaced(channelId: "${streamer.sub}") { productId amount bidderHandle } }`,
          authMode: 'none',
        },
        { Authorization: 'unsigned-guest' },
      ) as unknown as {
        subscribe(o: { next(v: { data: { onBidPlaced: { amount: number } } }): void; error(e: unknown): void }): {
          unsubscribe(): void;
        };
      }
    ).subscribe({
      next: (v) => seen.push(v.data.onBidPlaced.amount),
      error: (err) => {
        throw err;
      },
    });
    await new Promise((r) => setTimeout(r, 1500));
    for (const [who, amount, id] of [
      [fan, 1000, 'b1'],
      [rival, 1500, 'b2'],
      [fan, 2000, 'b3'],
    ] as const) {
      await gql(
        e.graphqlUrl,
        'mutation($i: PlaceBidInput!) { placeBid(input: $i) { channelId productId amount bidderHandle } }',
        { i: { productId: createProduct.productId, amount, bidId: `${id}-${createProduct.productId}` } },
        who.accessToken,
      );
    }
    await until(async () => seen.length >= 3, 'three bids over the subscription', 15_000);
    sub.unsubscribe();
    expect(seen).toEqual([1000, 1500, 2000]);
    await expect(
      gql(
        e.graphqlUrl,
        'mutation($i: PlaceBidInput!) { placeBid(input: $i) { amount } }',
        { i: { productId: createProduct.productId, amount: 2000, bidId: `low-${createProduct.productId}` } },
        rival.accessToken,
      ),
    ).rejects.toThrow(/BID_TOO_LOW|at least/i);
    const { buyNow } = await gql<{ buyNow: { price: number } }>(
      e.graphqlUrl,
      `mutation { buyNow(productId: "${createProduct.productId}") { price } }`,
      {},
      rival.accessToken,
    );
    expect(buyNow.price).toBe(5000);
    await expect(
      gql(e.graphqlUrl, `mutation { buyNow(productId: "${createProduct.productId}") { price } }`, {}, fan.accessToken),
    ).rejects.toThrow(/ALREADY_SOLD|sold/i);
  }, 60_000);

  it('chats through the real IVS Chat client: send, receive, delete, review denial, disconnect', async () => {
    const e = platform.endpoints;
    const { ChatRoom, SendMessageRequest, DeleteMessageRequest } = await import('amazon-ivs-chat-messaging');
    const tokenFor = (session: LocalSession) => async () => {
      const { createChatToken } = await gql<{
        createChatToken: { token: string; sessionExpirationTime: string; tokenExpirationTime: string };
      }>(
        e.graphqlUrl,
        `mutation { createChatToken(channelId: "${streamer.sub}") { token sessionExpirationTime tokenExpirationTime } }`,
        {},
        session.accessToken,
      );
      return {
        token: createChatToken.token,
        sessionExpirationTime: new Date(createChatToken.sessionExpirationTime),
        tokenExpirationTime: new Date(createChatToken.tokenExpirationTime),
      };
    };
    await gql(
      e.graphqlUrl,
      `mutation { updateChatSettings(input: { channelId: "${streamer.sub}", blockedWords: ["scam"], blockedWordsAction: DENY }) { slowModeSeconds } }`,
      {},
      streamer.accessToken,
    );
    const open = async (session: LocalSession) => {
      const room = new ChatRoom({ regionOrUrl: e.chatUrl, tokenProvider: tokenFor(session) });
      const connected = new Promise<void>((resolve) => room.addListener('connect', () => resolve()));
      room.connect();
      await connected;
      return room;
    };
    const host = await open(streamer);
    const viewer = await open(fan);
    const received: { id: string; content: string; handle?: string }[] = [];
    host.addListener('message', (m) =>
      received.push({ id: m.id, content: m.content, handle: m.sender.attributes?.handle }),
    );
    const deleted: string[] = [];
    viewer.addListener('messageDelete', (d) => deleted.push(d.messageId));
    const sent = await viewer.sendMessage(new SendMessageRequest('hello from bob'));
    await until(async () => received.length > 0, 'the message at the streamer');
    expect(received[0]).toMatchObject({ id: sent.id, content: 'hello from bob' });
    await expect(viewer.sendMessage(new SendMessageRequest('what a scam'))).rejects.toMatchObject({
      errorMessage: expect.stringContaining('does not allow'),
    });
    await expect(viewer.deleteMessage(new DeleteMessageRequest(sent.id))).rejects.toMatchObject({ errorCode: 403 });
    await host.deleteMessage(new DeleteMessageRequest(sent.id, 'test'));
    await until(async () => deleted.includes(sent.id), 'the deletion at the viewer');
    const kicked = new Promise<string | undefined>((resolve) =>
      viewer.addListener('userDisconnect', (d) => resolve(d.userId)),
    );
    await gql(
      e.graphqlUrl,
      `mutation { banUser(channelId: "${streamer.sub}", userId: "${fan.sub}", reason: "test") { action } }`,
      {},
      streamer.accessToken,
    );
    expect(await kicked).toBe(fan.sub);
    await expect(
      gql(e.graphqlUrl, `mutation { createChatToken(channelId: "${streamer.sub}") { token } }`, {}, fan.accessToken),
    ).rejects.toThrow(/BANNED/);
    host.disconnect();
  }, 60_000);

  it('stops every part: nothing left listening', async () => {
    const ports = Object.values(platform.endpoints).map((u) => new URL(u).port);
    await platform.stop();
    const { createConnection } = await import('node:net');
    for (const port of ports) {
      const open = await new Promise<boolean>((resolve) => {
        const s = createConnection({ host: '127.0.0.1', port: Number(port) })
          .once('connect', () => {
            s.destroy();
            resolve(true);
          })
          .once('error', () => resolve(false));
      });
      expect(open, `port ${port}`).toBe(false);
    }
  });
});
