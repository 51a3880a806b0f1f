/**
 * The chat as two people live it, against the local IVS Chat, the real amazon-ivs-chat-messaging
 * client and the web app's connection module:
 * - history: IVS Chat logs each room to the chat log group, the local CloudWatch Logs hands the
 *   batches to chat-history, and Query.chatHistory answers the
 *   last 50 messages with deletions applied, as a late joiner sees them;
 * - restart (issue 12): the chat WebSocket server stops and starts again under connected clients;
 *   they reconnect by themselves and no message sent after the reconnect (or typed during the
 *   outage) is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateChatTokenCommand,
  CreateRoomCommand,
  DeleteMessageCommand,
  IvschatClient,
} from '@aws-sdk/client-ivschat';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../local/appsync/engine';
import { runAs } from '../../../local/iam/caller';
import { startLocalIvsChat, type LocalIvsChat } from '../../../local/ivschat/index';
import { createLocalLogs, type LocalLogs } from '../../../local/logs/index';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import {
  createChatConnection,
  type ChatConnection,
  type ChatView,
} from '../../../frontend/src/features/chat/connection';
import type { HistoryMessage } from '../../../frontend/src/features/chat/chat';
import { useDynamoDbLocal } from '../../support/dynamo';

const db = useDynamoDbLocal();
const LOG_GROUP = '/test/chat';
const guest = {
  mode: 'AWS_IAM' as const,
  identity: {
    cognitoIdentityAuthType: 'unauthenticated',
    accountId: '000000000000',
    sourceIp: ['127.0.0.1'],
    userArn: 'guest',
    username: 'guest',
  },
};
let dir: string;
let ports: { control: number; messaging: number };
let server: LocalIvsChat;
let logs: LocalLogs;
let control: IvschatClient;
let roomArn: string;
let engine: ReturnType<typeof createEngine>;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const startChat = () =>
  startLocalIvsChat({
    dataDir: dir,
    port: ports.control,
    messagingPort: ports.messaging,
    invokeReviewHandler: async () => ({}),
    loggingConfigurations: [
      { name: 'test-chat-log', destinationConfiguration: { cloudWatchLogs: { logGroupName: LOG_GROUP } } },
    ],
    putLogRecord: (g, s, m) => logs.put(g, s, m),
  });

async function history(): Promise<HistoryMessage[]> {
  const res = (await engine.execute({
    query:
      'query($c: ID!) { chatHistory(channelId: $c) { messageId userId handle role content sentAt deletedReason } }',
    variables: { c: 'c1' },
    auth: guest as never,
  })) as { data?: { chatHistory: HistoryMessage[] }; errors?: unknown[] };
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.chatHistory;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A viewer's chat as the web app runs it (the module Chat.svelte uses), on the real client library. */
async function viewer(
  userId: string,
  handle: string,
): Promise<{ conn: ChatConnection; view: () => ChatView; errors: unknown[] }> {
  const { ChatRoom, SendMessageRequest } = await import('amazon-ivs-chat-messaging');
  let view: ChatView | undefined;
  const errors: unknown[] = [];
  const conn = createChatConnection({
    createRoom: (tokenProvider) =>
      new ChatRoom({ regionOrUrl: `ws://127.0.0.1:${ports.messaging}`, maxReconnectAttempts: 3, tokenProvider }),
    newRequest: (content) => new SendMessageRequest(content),
    fetchToken: async () => {
      const t = await control.send(
        new CreateChatTokenCommand({
          roomIdentifier: roomArn,
          userId,
          capabilities: ['SEND_MESSAGE'],
          attributes: { handle, role: 'VIEWER', channelId: 'c1' },
        }),
      );
      return {
        token: t.token!,
        role: 'VIEWER',
        capabilities: ['SEND_MESSAGE'],
        sessionExpirationTime: t.sessionExpirationTime!.toISOString(),
        tokenExpirationTime: t.tokenExpirationTime!.toISOString(),
      };
    },
    fetchHistory: history,
    self: { userId, handle },
    onChange: (v) => (view = v),
    onSendError: (e) => errors.push(e),
    // Short backoff: the test waits for the reconnect, not for the 1 s default's jitter.
    reconnectBaseMs: 200,
    reconnectCapMs: 2_000,
  });
  conn.start();
  await until(`${handle} to connect`, () => view?.link === 'live');
  return { conn, view: () => view!, errors };
}

const contents = (v: ChatView) => v.lines.filter((l) => !l.pending).map((l) => l.content);

beforeAll(async () => {
  const credentials = await db.client.config.credentials();
  Object.assign(process.env, {
    TABLE_NAME: db.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: db.lambdaEndpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const { handler } = await import('../../../lambdas/chat-history/handler');
  logs = createLocalLogs({
    owner: '000000000000',
    flushMs: 100,
    subscriptions: { [LOG_GROUP]: (event) => runAs('chat-history', () => handler(event)) },
  });
  dir = mkdtempSync(join(tmpdir(), 'chat-restart-'));
  ports = { control: await freePort(), messaging: await freePort() };
  server = await startChat();
  control = new IvschatClient({ endpoint: server.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const room = await control.send(
    new CreateRoomCommand({
      name: 'c1',
      maximumMessageRatePerSecond: 100,
      loggingConfigurationIdentifiers: [server.loggingConfigurationArns['test-chat-log']!],
    }),
  );
  roomArn = room.arn!;
  // The ChatSettings item indexes the room by ARN (what provisioning writes); chat-history reads deletions' channel from it.
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        PK: 'CHANNEL#c1',
        SK: 'CHAT',
        GSI1PK: `ROOM#${roomArn}`,
        GSI1SK: 'CHAT',
        channelId: 'c1',
        slowModeSeconds: 0,
        blockedWords: [],
      },
    }),
  );
  engine = createEngine({
    dynamo: db.client,
    tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
    invokeLambda: async () => {
      throw new Error('no Lambda expected');
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await logs?.stop();
  control?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('chat history from the room log', () => {
  it('gives a late joiner the last 50 messages, oldest first, with a deletion applied', async () => {
    const ann = await viewer('u-ann', 'ann');
    for (let i = 1; i <= 55; i++) await ann.conn.send(`hello ${i}`);
    await until('the echoes', () => contents(ann.view()).includes('hello 55'));
    const doomed = ann.view().lines.find((l) => l.content === 'hello 54')!;
    await control.send(new DeleteMessageCommand({ roomIdentifier: roomArn, id: doomed.id, reason: 'off topic' }));
    await logs.flush();

    const stored = await history();
    expect(stored).toHaveLength(50);
    expect(stored[0]?.content).toBe('hello 6');
    expect(stored.at(-1)).toMatchObject({ content: 'hello 55', handle: 'ann', userId: 'u-ann', role: 'VIEWER' });
    expect(stored.find((m) => m.messageId === doomed.id)?.deletedReason).toBe('off topic');

    // A viewer who opens the page now sees them before anyone speaks.
    const bob = await viewer('u-bob', 'bob');
    await until("bob's history", () => contents(bob.view()).length >= 50);
    expect(contents(bob.view()).at(-1)).toBe('hello 55');
    expect(bob.view().lines.find((l) => l.id === doomed.id)?.deleted).toBe('off topic');
    ann.conn.stop();
    bob.conn.stop();
  }, 60_000);
});

describe('chat WebSocket server restart', () => {
  it('reconnects connected clients by themselves and loses no message sent after the reconnect or during the outage', async () => {
    const ann = await viewer('u-ann2', 'ann2');
    const bob = await viewer('u-bob2', 'bob2');
    await ann.conn.send('before the restart');
    await until('bob to hear it', () => contents(bob.view()).includes('before the restart'));

    await server.stop();
    await until('both to notice', () => ann.view().link !== 'live' && bob.view().link !== 'live');
    // Typed while the server is down: waits in the outbox.
    await ann.conn.send('during the outage');
    await new Promise((r) => setTimeout(r, 1_500));
    server = await startChat();

    await until('both to reconnect', () => ann.view().link === 'live' && bob.view().link === 'live', 30_000);
    const after = Array.from({ length: 10 }, (_, i) => `after the restart ${i + 1}`);
    for (const text of after) await ann.conn.send(text);
    await until('bob to hear every message', () =>
      [...after, 'during the outage'].every((t) => contents(bob.view()).includes(t)),
    );
    expect(contents(bob.view()).filter((t) => t.startsWith('after the restart'))).toEqual(after);
    expect(ann.errors).toEqual([]);
    expect(ann.view().lines.filter((l) => l.pending)).toEqual([]);
    ann.conn.stop();
    bob.conn.stop();
  }, 90_000);
});
