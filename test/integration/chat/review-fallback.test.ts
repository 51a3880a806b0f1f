/**
 * IVS Chat's review deadline against the local IVS Chat, the real amazon-ivs-chat-messaging client
 * and the real chat-token Lambda (docs/decisions/chat-review-fallback.md):
 * - a review handler that misses the 200 ms (or throws) gets the room's fallback applied: ALLOW
 *   delivers the message unreviewed, DENY refuses it to the sender and delivers it to nobody;
 * - the platform's rooms fall back to ALLOW, and a timed-out viewer still cannot send then: their
 *   chat token carries no SEND_MESSAGE, which IVS Chat enforces without the handler; when the
 *   timeout ends the web app's connection reconnects with a token that can send.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateChatTokenCommand, CreateRoomCommand, GetRoomCommand, IvschatClient } from '@aws-sdk/client-ivschat';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ChatRoom, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalIvsChat, REVIEW_TIMEOUT_MS, type LocalIvsChat } from '../../../local/ivschat/index';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { createChatConnection, type ChatView } from '../../../frontend/src/features/chat/connection';
import { CHAT_FALLBACK_RESULT } from '../../../lambdas/provision-streamer/handler';
import { useDynamoDbLocal } from '../../support/dynamo';

const db = useDynamoDbLocal();
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Review handlers by function name: each answers the opposite of its room's fallback, late. */
const handlers: Record<string, () => Promise<unknown>> = {
  'slow-deny': async () => {
    await sleep(REVIEW_TIMEOUT_MS * 3);
    return { ReviewResult: 'DENY', Attributes: { denialReason: 'late denial' } };
  },
  'slow-allow': async () => {
    await sleep(REVIEW_TIMEOUT_MS * 3);
    return { ReviewResult: 'ALLOW' };
  },
  throws: async () => {
    throw new Error('handler crashed');
  },
  'fast-deny': async () => ({ ReviewResult: 'DENY', Attributes: { denialReason: 'Blocked word' } }),
};
let dir: string;
let server: LocalIvsChat;
let control: IvschatClient;
const logs: string[] = [];
const open: ChatRoom[] = [];

async function room(handler: string, fallbackResult?: 'ALLOW' | 'DENY'): Promise<string> {
  const r = await control.send(
    new CreateRoomCommand({
      name: handler,
      maximumMessageRatePerSecond: 100,
      messageReviewHandler: { uri: `${FN}${handler}`, ...(fallbackResult ? { fallbackResult } : {}) },
    }),
  );
  return r.arn!;
}

async function connect(
  roomArn: string,
  userId: string,
  token?: string,
): Promise<{ room: ChatRoom; received: string[] }> {
  const received: string[] = [];
  const chat = new ChatRoom({
    regionOrUrl: server.messagingUrl,
    maxReconnectAttempts: 0,
    tokenProvider: async () => {
      const t =
        token ??
        (
          await control.send(
            new CreateChatTokenCommand({ roomIdentifier: roomArn, userId, capabilities: ['SEND_MESSAGE'] }),
          )
        ).token!;
      return { token: t };
    },
  });
  chat.logger = { debug: () => undefined, info: () => undefined, error: () => undefined };
  chat.addListener('message', (m) => received.push(m.content));
  const connected = new Promise<void>((resolve, reject) => {
    chat.addListener('connect', () => resolve());
    chat.addListener('disconnect', (reason) => reject(new Error(`disconnected: ${reason}`)));
  });
  chat.connect();
  await connected;
  open.push(chat);
  return { room: chat, received };
}

/** What sending `content` does: delivered to the other client, or refused with the error code. */
async function send(
  roomArn: string,
  content: string,
  sender?: string,
): Promise<{ delivered: boolean; refused?: number; ms: number }> {
  const reader = await connect(roomArn, `reader-${content}`);
  const writer = await connect(roomArn, `writer-${content}`, sender);
  const t0 = performance.now();
  try {
    await writer.room.sendMessage(new SendMessageRequest(content));
    await sleep(300);
    return { delivered: reader.received.includes(content), ms: performance.now() - t0 };
  } catch (error) {
    await sleep(300);
    return {
      delivered: reader.received.includes(content),
      refused: (error as { errorCode?: number }).errorCode,
      ms: performance.now() - t0,
    };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chat-fallback-'));
  server = await startLocalIvsChat({
    dataDir: dir,
    log: (l) => logs.push(l),
    invokeReviewHandler: async (uri) => handlers[uri.slice(FN.length)]!(),
  });
  control = new IvschatClient({ endpoint: server.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const credentials = await db.client.config.credentials();
  Object.assign(process.env, {
    TABLE_NAME: db.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_IVSCHAT: server.url,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
}, 60_000);

afterAll(async () => {
  for (const r of open) r.disconnect();
  await server?.stop();
  control?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the room fallback when the review handler misses its deadline', () => {
  it('ALLOW delivers the late message unreviewed; DENY refuses it to the sender and delivers it to nobody', async () => {
    const allowed = await send(await room('slow-deny', 'ALLOW'), 'late but allowed');
    expect(allowed.delivered).toBe(true);
    expect(allowed.refused).toBeUndefined();
    // Answered at the deadline, not when the handler finally answers.
    expect(allowed.ms).toBeLessThan(REVIEW_TIMEOUT_MS * 3 + 300);
    expect(await send(await room('slow-allow', 'DENY'), 'late and denied')).toMatchObject({
      delivered: false,
      refused: 406,
    });
    // A handler error is a fallback too; a room that names none falls back to ALLOW, as IVS does.
    expect(await send(await room('throws', 'DENY'), 'crashed and denied')).toMatchObject({
      delivered: false,
      refused: 406,
    });
    const unnamed = await room('throws');
    expect((await control.send(new GetRoomCommand({ identifier: unnamed }))).messageReviewHandler?.fallbackResult).toBe(
      'ALLOW',
    );
    expect(await send(unnamed, 'crashed and allowed')).toMatchObject({ delivered: true });
    // In time, the handler's answer stands.
    expect(await send(await room('fast-deny', 'ALLOW'), 'denied in time')).toMatchObject({
      delivered: false,
      refused: 406,
    });
    expect(logs.filter((l) => l.includes('applying the room fallback')).length).toBe(4);
    await expect(
      control.send(
        new CreateRoomCommand({
          name: 'bad',
          messageReviewHandler: { uri: `${FN}throws`, fallbackResult: 'MAYBE' as never },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  }, 60_000);

  it('the platform falls back to ALLOW, and a timed-out viewer still cannot send, until the timeout ends', async () => {
    expect(CHAT_FALLBACK_RESULT).toBe('ALLOW');
    // A room as provisioning makes it, whose handler is slow and would deny everything.
    const roomArn = await room('slow-deny', CHAT_FALLBACK_RESULT);
    const timeoutUntil = new Date(Date.now() + 4_000).toISOString();
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: { PK: 'USER#c1', SK: 'PROFILE', type: 'Profile', userId: 'c1', handle: 'host', chatRoomArn: roomArn },
      }),
    );
    await db.doc.send(
      new PutCommand({ TableName: db.tableName, Item: { PK: 'CHANNEL#c1', SK: 'MEMBER#u-late', timeoutUntil } }),
    );
    const { createChatToken } = await import('../../../lambdas/chat-token/handler');
    const identity = (sub: string) => ({ sub, username: sub, claims: { handle: sub } });

    const timedOut = await createChatToken(identity('u-late'), 'c1');
    expect(timedOut).toMatchObject({ capabilities: [], timedOutUntil: timeoutUntil });
    expect(await send(roomArn, 'sent while timed out', timedOut.token)).toMatchObject({
      delivered: false,
      refused: 403,
    });
    const free = await createChatToken(identity('u-free'), 'c1');
    expect(await send(roomArn, 'unreviewed but allowed', free.token)).toMatchObject({ delivered: true });

    // The web app's connection: held while timed out, reconnected with a sending token once it ends
    // (a fresh 5 s timeout, so the wait above on a busy machine cannot have used it up).
    const endsAt = Date.now() + 5_000;
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: { PK: 'CHANNEL#c1', SK: 'MEMBER#u-late', timeoutUntil: new Date(endsAt).toISOString() },
      }),
    );
    let view: ChatView | undefined;
    const conn = createChatConnection({
      createRoom: (tokenProvider) => {
        const r = new ChatRoom({ regionOrUrl: server.messagingUrl, maxReconnectAttempts: 3, tokenProvider });
        r.logger = { debug: () => undefined, info: () => undefined, error: () => undefined };
        return r;
      },
      newRequest: (content) => new SendMessageRequest(content),
      fetchToken: () => createChatToken(identity('u-late'), 'c1'),
      fetchHistory: async () => [],
      self: { userId: 'u-late', handle: 'u-late' },
      onChange: (v) => (view = v),
      onSendError: () => undefined,
    });
    conn.start();
    try {
      for (let i = 0; i < 100 && view?.link !== 'live'; i++) await sleep(50);
      expect(view).toMatchObject({ link: 'live', canSend: false, timedOutUntil: endsAt });
      for (let i = 0; i < 400 && !(view?.canSend && view.link === 'live'); i++) await sleep(50);
      expect(view).toMatchObject({ link: 'live', canSend: true, timedOutUntil: 0 });
      expect(Date.now()).toBeGreaterThanOrEqual(endsAt);
      const reader = await connect(roomArn, 'reader-after');
      await conn.send('back after the timeout');
      for (let i = 0; i < 40 && !reader.received.includes('back after the timeout'); i++) await sleep(50);
      expect(reader.received).toContain('back after the timeout');
    } finally {
      conn.stop();
    }
  }, 60_000);
});
