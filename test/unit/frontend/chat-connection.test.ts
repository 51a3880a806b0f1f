import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  formatTimeLeft,
  mergeHistory,
  timeoutLeft,
  type ChatLine,
  type HistoryMessage,
} from '../../../frontend/src/features/chat/chat';
import {
  createChatConnection,
  POLL_MS,
  SETTLE_REFRESH_MS,
  type ChatTokenInfo,
  type ChatView,
  type RoomLike,
} from '../../../frontend/src/features/chat/connection';

/** A stand-in for amazon-ivs-chat-messaging's ChatRoom: the test fires its events. */
class FakeRoom implements RoomLike {
  listeners = new Map<string, ((...a: unknown[]) => void)[]>();
  connects = 0;
  sent: { requestId: string; content: string }[] = [];
  answer: (r: { requestId: string; content: string }) => Promise<unknown> = async () => ({});
  constructor(readonly tokenProvider: () => Promise<unknown>) {}
  addListener(event: string, l: (...a: never[]) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), l as (...a: unknown[]) => void]);
  }
  fire(event: string, ...args: unknown[]) {
    for (const l of this.listeners.get(event) ?? []) l(...args);
  }
  connect() {
    this.connects += 1;
  }
  disconnect() {}
  sendMessage(r: never) {
    const req = r as { requestId: string; content: string };
    this.sent.push(req);
    return this.answer(req);
  }
}

const token = (patch: Partial<ChatTokenInfo> = {}): ChatTokenInfo => ({
  token: 't',
  role: 'VIEWER',
  capabilities: ['SEND_MESSAGE'],
  sessionExpirationTime: new Date(Date.now() + 3600_000).toISOString(),
  tokenExpirationTime: new Date(Date.now() + 3600_000).toISOString(),
  ...patch,
});
const stored = (id: string, at: string, extra: Partial<HistoryMessage> = {}): HistoryMessage => ({
  messageId: id,
  userId: 'u1',
  handle: 'ann',
  role: 'VIEWER',
  content: `text ${id}`,
  sentAt: at,
  ...extra,
});

function setup(opts: { history?: () => Promise<HistoryMessage[]>; fetchToken?: () => Promise<ChatTokenInfo> } = {}) {
  let room!: FakeRoom;
  let view!: ChatView;
  let n = 0;
  const history = vi.fn(opts.history ?? (async () => []));
  const errors: unknown[] = [];
  const conn = createChatConnection({
    createRoom: (tp) => (room = new FakeRoom(tp)),
    newRequest: (content) => ({ requestId: `r${++n}`, content }),
    fetchToken: opts.fetchToken ?? (async () => token()),
    fetchHistory: history,
    self: { userId: 'me', handle: 'me' },
    onChange: (v) => (view = v),
    onSendError: (e) => errors.push(e),
  });
  conn.start();
  return { conn, room: () => room, view: () => view, history, errors };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('chat connection', () => {
  it('shows the stored history on join, deletions applied, before the socket is up', async () => {
    const t = setup({
      history: async () => [
        stored('m1', '2026-01-01T00:00:01Z'),
        stored('m2', '2026-01-01T00:00:02Z', { deletedReason: 'spam' }),
      ],
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(t.view().lines.map((l) => [l.id, l.deleted])).toEqual([
      ['m1', undefined],
      ['m2', 'spam'],
    ]);
    expect(t.view().link).toBe('connecting');
  });

  it('polls the history every 4 s while the socket is down, and stops once it is back', async () => {
    const t = setup();
    await vi.advanceTimersByTimeAsync(0);
    t.room().fire('disconnect', 'socketError');
    expect(t.view().link).toBe('polling');
    const before = t.history.mock.calls.length;
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    expect(t.history.mock.calls.length - before).toBeGreaterThanOrEqual(3);
    expect(t.room().connects).toBeGreaterThanOrEqual(2);
    const atReconnect = t.history.mock.calls.length;
    t.room().fire('connect');
    expect(t.view().link).toBe('live');
    await vi.advanceTimersByTimeAsync(Math.max(...SETTLE_REFRESH_MS) + POLL_MS * 3);
    // One fill of the gap on reconnect and the settle reads, then no more polling.
    expect(t.history.mock.calls.length - atReconnect).toBe(1 + SETTLE_REFRESH_MS.length);
  });

  it('shows a message sent while its socket was still connecting, once the history has it', async () => {
    let stored_: HistoryMessage[] = [];
    const t = setup({ history: async () => stored_ });
    await vi.advanceTimersByTimeAsync(0);
    t.room().fire('connect');
    await vi.advanceTimersByTimeAsync(0);
    // Said by someone else between this socket's connect and the room's log reaching the history.
    stored_ = [stored('m9', '2026-01-01T00:00:09Z')];
    expect(t.view().lines.map((l) => l.id)).toEqual([]);
    await vi.advanceTimersByTimeAsync(SETTLE_REFRESH_MS[0]);
    expect(t.view().lines.map((l) => l.id)).toEqual(['m9']);
    t.conn.stop();
  });

  it('reconnects with growing delays (backoff), not in a tight loop', async () => {
    const t = setup();
    await vi.advanceTimersByTimeAsync(0);
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = Date.now();
      t.room().fire('disconnect', 'socketError');
      const connects = t.room().connects;
      while (t.room().connects === connects) await vi.advanceTimersByTimeAsync(50);
      times.push(Date.now() - start);
    }
    expect(times[0]).toBeGreaterThanOrEqual(500);
    expect(times[3]).toBeGreaterThanOrEqual(4_000);
  });

  it('keeps messages typed while offline and sends them, in order, on reconnect', async () => {
    const t = setup();
    await vi.advanceTimersByTimeAsync(0);
    t.room().fire('connect');
    t.room().fire('disconnect', 'serverDisconnect');
    await t.conn.send('one');
    await t.conn.send('two');
    expect(t.room().sent).toEqual([]);
    expect(
      t
        .view()
        .lines.filter((l) => l.pending)
        .map((l) => l.content),
    ).toEqual(['one', 'two']);
    t.room().fire('connect');
    await vi.advanceTimersByTimeAsync(0);
    expect(t.room().sent.map((r) => r.content)).toEqual(['one', 'two']);
    // The echo replaces the optimistic line.
    const req = t.room().sent[0]!;
    t.room().fire('message', {
      id: 'm9',
      requestId: req.requestId,
      content: 'one',
      sendTime: new Date(),
      sender: { userId: 'me', attributes: { handle: 'me' } },
    });
    expect(t.view().lines.map((l) => l.id)).toContain('m9');
    expect(t.view().lines.some((l) => l.id === `pending:${req.requestId}`)).toBe(false);
  });

  it('queues a message whose socket drops before it is confirmed, and sends it again after the reconnect', async () => {
    const t = setup();
    await vi.advanceTimersByTimeAsync(0);
    t.room().fire('connect');
    t.room().answer = () => new Promise(() => undefined);
    const sending = t.conn.send('lost?');
    t.room().fire('disconnect', 'socketError');
    await vi.advanceTimersByTimeAsync(10_000);
    await sending;
    t.room().answer = async () => ({});
    t.room().fire('connect');
    await vi.advanceTimersByTimeAsync(0);
    expect(t.room().sent.map((r) => r.content)).toEqual(['lost?', 'lost?']);
    expect(t.errors).toEqual([]);
  });

  it('reconnects for a token that can send once a timeout ends (the timed-out token cannot)', async () => {
    const until = Date.now() + 30_000;
    let timedOut = true;
    const t = setup({
      fetchToken: async () =>
        timedOut ? token({ capabilities: [], timedOutUntil: new Date(until).toISOString() }) : token(),
    });
    await t.room().tokenProvider();
    t.room().fire('connect');
    expect(t.view()).toMatchObject({ canSend: false, timedOutUntil: until });
    const disconnect = vi
      .spyOn(t.room(), 'disconnect')
      .mockImplementation(() => t.room().fire('disconnect', 'clientDisconnect'));
    const connects = t.room().connects;
    await vi.advanceTimersByTimeAsync(29_000);
    expect(disconnect).not.toHaveBeenCalled();
    timedOut = false;
    await vi.advanceTimersByTimeAsync(2_500);
    expect(disconnect).toHaveBeenCalledTimes(1);
    expect(t.room().connects).toBe(connects + 1);
    // The link shows reconnecting until the new socket is up.
    // Until the new socket is up, a message waits in the outbox instead of meeting a closed room.
    expect(t.view().link).toBe('connecting');
    await t.conn.send('back');
    expect(t.room().sent).toEqual([]);
    await t.room().tokenProvider();
    t.room().fire('connect');
    await vi.advanceTimersByTimeAsync(0);
    expect(t.room().sent.map((r) => r.content)).toEqual(['back']);
    expect(t.view()).toMatchObject({ canSend: true, timedOutUntil: 0 });
    // A token that can send sets no reconnect, and stop() leaves nothing scheduled.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(disconnect).toHaveBeenCalledTimes(1);
  });

  it('shows a timeout from the token and stops reconnecting a banned viewer', async () => {
    const until = Date.now() + 120_000;
    let banned = false;
    const t = setup({
      fetchToken: async () => {
        if (banned) throw Object.assign(new Error('You are banned from this chat.'), { errorType: 'BANNED' });
        return token({ timedOutUntil: new Date(until).toISOString() });
      },
    });
    await t.room().tokenProvider();
    expect(t.view().timedOutUntil).toBe(until);
    banned = true;
    await t
      .room()
      .tokenProvider()
      .catch(() => undefined);
    t.room().fire('disconnect', 'fetchTokenError');
    expect(t.view()).toMatchObject({ banned: true, link: 'offline', bannedNotice: 'You are banned from this chat.' });
    const connects = t.room().connects;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.room().connects).toBe(connects);
  });

  it('stops reconnecting an account banned from the platform and shows the reason the API gave', async () => {
    const said = 'Your account has been banned by our team: it can no longer bid, buy, chat, follow or stream.';
    const t = setup({
      fetchToken: async () => {
        throw Object.assign(new Error(said), { errorType: 'ACCOUNT_BANNED' });
      },
    });
    await t
      .room()
      .tokenProvider()
      .catch(() => undefined);
    t.room().fire('disconnect', 'fetchTokenError');
    expect(t.view()).toMatchObject({ banned: true, link: 'offline', bannedNotice: said });
    const connects = t.room().connects;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.room().connects).toBe(connects);
  });
});

describe('chat history merge and timeouts', () => {
  const line = (id: string, at: number, extra: Partial<ChatLine> = {}): ChatLine => ({
    id,
    userId: 'u',
    handle: 'h',
    role: 'VIEWER',
    content: id,
    at,
    ...extra,
  });

  it('adds unseen messages in time order, applies deletions, keeps optimistic lines last', () => {
    const lines = [
      line('m2', Date.parse('2026-01-01T00:00:02Z')),
      line('pending:r1', Date.parse('2026-01-01T00:00:00Z'), { pending: true }),
    ];
    const merged = mergeHistory(lines, [
      stored('m1', '2026-01-01T00:00:01Z'),
      stored('m2', '2026-01-01T00:00:02Z', { deletedReason: 'rude' }),
      stored('m3', '2026-01-01T00:00:03Z'),
    ]);
    expect(merged.map((l) => l.id)).toEqual(['m1', 'm2', 'm3', 'pending:r1']);
    expect(merged[1]?.deleted).toBe('rude');
    expect(mergeHistory(merged, [stored('m3', '2026-01-01T00:00:03Z')])).toBe(merged);
  });

  it('counts a timeout down in whole seconds', () => {
    expect(timeoutLeft(10_500, 0)).toBe(11);
    expect(timeoutLeft(1000, 1000)).toBe(0);
    expect(formatTimeLeft(598)).toBe('9:58');
    expect(formatTimeLeft(3723)).toBe('1:02:03');
  });
});
