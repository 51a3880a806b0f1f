/**
 * The chat's connection, apart from the UI so it can be tested against the local IVS Chat: the
 * WebSocket room (amazon-ivs-chat-messaging), the stored history on join, and what happens when
 * the socket cannot connect or drops: the history is polled every 4 s while the socket reconnects
 * with backoff, the gap is filled from the history once it is back, and messages typed meanwhile
 * wait in an outbox and are sent on reconnect, so nothing is lost.
 */
import { backoffDelay } from '../../lib/backoff';
import type { ChatToken } from '../../lib/types';
import { addLine, mergeHistory, type ChatLine, type HistoryMessage } from './chat';

/** How often the history is polled while the WebSocket is down: a missed message shows within about 4 s. */
export const POLL_MS = 4_000;
/**
 * After a (re)connect, the history is read again at these delays: messages sent while this socket
 * was still connecting reach neither it nor the history at once (IVS Chat logs them about 10 s
 * behind the room), so one read at connect can miss them for good.
 */
export const SETTLE_REFRESH_MS = [3_000, 12_000] as const;

/** live: WebSocket up. polling: socket down, history polled, reconnecting. offline: given up (banned) or stopped. */
export type ChatLink = 'connecting' | 'live' | 'polling' | 'offline';

/** Mutation.createChatToken's answer. */
export type ChatTokenInfo = ChatToken;

/** What the chat shows, recomputed on every change. */
export interface ChatView {
  lines: ChatLine[];
  link: ChatLink;
  role: string;
  canSend: boolean;
  /** Epoch ms when the caller's timeout ends (0: not timed out). */
  timedOutUntil: number;
  banned: boolean;
  /** Why the chat refused the caller, as the API says it (this channel's ban, or the platform's). */
  bannedNotice: string;
}

/** The parts of amazon-ivs-chat-messaging's ChatRoom this module uses. */
export interface RoomLike {
  addListener(event: string, listener: (...args: never[]) => void): unknown;
  connect(): void;
  disconnect(): void;
  sendMessage(request: never): Promise<unknown>;
}

interface IvsMessage {
  id: string;
  requestId?: string;
  content: string;
  sendTime: Date;
  sender: { userId: string; attributes?: Record<string, string> };
}

export interface ChatConnectionDeps {
  createRoom(
    tokenProvider: () => Promise<{ token: string; sessionExpirationTime: Date; tokenExpirationTime: Date }>,
  ): RoomLike;
  /** A SendMessageRequest (its requestId ties the echo to the optimistic line). */
  newRequest(content: string): { requestId: string };
  fetchToken(): Promise<ChatTokenInfo>;
  fetchHistory(): Promise<HistoryMessage[]>;
  self: { userId: string; handle: string } | null;
  onChange(view: ChatView): void;
  /** A message was refused (review handler, rate limit) or could not be sent: the UI says why. */
  onSendError(error: unknown, content: string): void;
  /** Room events other than deletions (settings pushed by the backend). */
  onEvent?(name: string, attributes: Record<string, string>): void;
  /** A moderator disconnected someone (the caller included). */
  onUserDisconnect?(userId: string, reason: string): void;
  pollMs?: number;
  /** Delays of the extra history reads after a (re)connect. @default SETTLE_REFRESH_MS */
  settleRefreshMs?: readonly number[];
  /** Backoff between reconnects. @default 1000 ms doubling to 30 s */
  reconnectBaseMs?: number;
  reconnectCapMs?: number;
}

export interface ChatConnection {
  start(): void;
  stop(): void;
  /** Sends now when live, else queues until the socket is back. */
  send(content: string): Promise<void>;
  view(): ChatView;
}

/** A message waiting to go out, and the id of the optimistic line standing for it. */
interface Outgoing {
  content: string;
  lineId: string;
}
const DROPPED = new Error('The chat connection dropped before the message was confirmed');
/** How long a sent message may wait for its echo before it counts as not sent (the library never times out). */
const SEND_TIMEOUT_MS = 10_000;
/** After a timeout's end, before reconnecting: the server's clock may be a moment behind this one. */
const TIMEOUT_GRACE_MS = 1_000;

/**
 * Errors the token mutation answers with for a banned caller, from this channel's chat (BANNED) or
 * from the platform (ACCOUNT_BANNED): no reconnect will help.
 */
const isBanned = (e: unknown) =>
  ['BANNED', 'ACCOUNT_BANNED'].includes(String((e as { errorType?: string })?.errorType));

export function createChatConnection(deps: ChatConnectionDeps): ChatConnection {
  const pollMs = deps.pollMs ?? POLL_MS;
  const view: ChatView = {
    lines: [],
    link: 'connecting',
    role: 'VIEWER',
    canSend: false,
    timedOutUntil: 0,
    banned: false,
    bannedNotice: '',
  };
  const outbox: Outgoing[] = [];
  let room: RoomLike | undefined;
  let stopped = false;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let poller: ReturnType<typeof setInterval> | undefined;
  let flushing = false;

  const emit = () => deps.onChange({ ...view, lines: view.lines });
  const set = (patch: Partial<ChatView>) => {
    Object.assign(view, patch);
    emit();
  };
  const refreshHistory = async () => {
    try {
      const history = await deps.fetchHistory();
      // Lines as they are now: messages may have arrived while the history was on its way.
      set({ lines: mergeHistory(view.lines, history) });
    } catch {
      // The next poll (or the socket) brings what this one missed.
    }
  };
  let settleTimers: ReturnType<typeof setTimeout>[] = [];
  const clearSettle = () => {
    for (const t of settleTimers) clearTimeout(t);
    settleTimers = [];
  };
  const stopPolling = () => {
    if (poller) clearInterval(poller);
    poller = undefined;
  };
  const startPolling = () => {
    if (poller || stopped) return;
    void refreshHistory();
    poller = setInterval(() => void refreshHistory(), pollMs);
  };

  let timeoutEnds: ReturnType<typeof setTimeout> | undefined;
  let reconnectAfterClose = false;
  /**
   * A token minted during a timeout cannot send (IVS Chat refuses it whatever the review handler
   * does): once the timeout is over, the room reconnects for a token that can. A timeout lifted
   * early disconnects the user from the backend, which reconnects the same way.
   */
  const resumeWhenTimeoutEnds = (until: number, canSend: boolean) => {
    if (timeoutEnds) clearTimeout(timeoutEnds);
    timeoutEnds = undefined;
    if (!until || canSend) return;
    timeoutEnds = setTimeout(
      () => {
        timeoutEnds = undefined;
        if (stopped || !room) return;
        reconnectAfterClose = true;
        // Messages typed meanwhile wait in the outbox until the new socket is up.
        set({ link: 'connecting' });
        room.disconnect();
      },
      Math.max(0, until - Date.now()) + TIMEOUT_GRACE_MS,
    );
  };

  const tokenProvider = async () => {
    const t = await deps.fetchToken();
    const parsed = t.timedOutUntil ? Date.parse(t.timedOutUntil) : 0;
    const until = parsed > Date.now() ? parsed : 0;
    const canSend = t.capabilities.includes('SEND_MESSAGE');
    set({ role: t.role, canSend, timedOutUntil: until, banned: false });
    resumeWhenTimeoutEnds(until, canSend);
    return {
      token: t.token,
      sessionExpirationTime: new Date(t.sessionExpirationTime),
      tokenExpirationTime: new Date(t.tokenExpirationTime),
    };
  };
  let tokenError: unknown;
  const guardedTokenProvider = async () => {
    try {
      tokenError = undefined;
      return await tokenProvider();
    } catch (e) {
      tokenError = e;
      throw e;
    }
  };

  const pendingLine = (content: string, requestId: string): ChatLine => ({
    id: `pending:${requestId}`,
    userId: deps.self?.userId ?? '',
    handle: deps.self?.handle ?? 'you',
    role: view.role,
    content,
    at: Date.now(),
    pending: true,
  });
  /**
   * One attempt: a fresh request (the library keeps a request id it never heard back about), its
   * optimistic line in place of the previous attempt's. Rejects with `dropped` when the socket went
   * away under it, so the caller queues it again.
   */
  const attemptSend = async (entry: Outgoing): Promise<void> => {
    const request = deps.newRequest(entry.content);
    const line = pendingLine(entry.content, request.requestId);
    set({
      lines: addLine(
        view.lines.filter((l) => l.id !== entry.lineId),
        line,
      ),
    });
    entry.lineId = line.id;
    if (!room || view.link !== 'live') throw DROPPED;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        room.sendMessage(request as never),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(DROPPED), SEND_TIMEOUT_MS);
        }),
      ]);
    } catch (e) {
      if (view.link !== 'live' || e === DROPPED) throw DROPPED;
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
  const flushOutbox = async () => {
    if (flushing) return;
    flushing = true;
    try {
      while (outbox.length && view.link === 'live') {
        const next = outbox[0]!;
        try {
          await attemptSend(next);
          outbox.shift();
        } catch (e) {
          if (e === DROPPED) break;
          outbox.shift();
          set({ lines: view.lines.filter((l) => l.id !== next.lineId) });
          deps.onSendError(e, next.content);
        }
      }
    } finally {
      flushing = false;
    }
  };

  const scheduleReconnect = () => {
    if (stopped || retry) return;
    retry = setTimeout(
      () => {
        retry = undefined;
        if (!stopped) room?.connect();
      },
      backoffDelay(attempt++, deps.reconnectBaseMs ?? 1000, deps.reconnectCapMs ?? 30_000),
    );
  };

  const wire = (r: RoomLike) => {
    r.addListener('connecting', () => {
      if (view.link === 'connecting') emit();
    });
    r.addListener('connect', () => {
      attempt = 0;
      stopPolling();
      set({ link: 'live' });
      // What was said while the socket was down (or before this page loaded), and again once the
      // history has caught up with what was said while this socket was connecting.
      void refreshHistory();
      clearSettle();
      settleTimers = (deps.settleRefreshMs ?? SETTLE_REFRESH_MS).map((ms) =>
        setTimeout(() => {
          if (!stopped) void refreshHistory();
        }, ms),
      );
      void flushOutbox();
    });
    r.addListener('disconnect', ((reason: string) => {
      if (stopped) return;
      if (reason === 'clientDisconnect') {
        if (reconnectAfterClose) {
          reconnectAfterClose = false;
          // Not from inside the event: ChatRoom emits it before it disposes of its connections, new ones included.
          setTimeout(() => {
            if (!stopped) r.connect();
          }, 0);
        }
        return;
      }
      if (isBanned(tokenError)) {
        stopPolling();
        const said = (tokenError as { message?: string }).message;
        set({ link: 'offline', banned: true, canSend: false, bannedNotice: said || 'You are banned from this chat.' });
        return;
      }
      set({ link: 'polling' });
      startPolling();
      scheduleReconnect();
    }) as never);
    r.addListener('message', ((m: IvsMessage) => {
      const a = m.sender.attributes ?? {};
      const line: ChatLine = {
        id: m.id,
        userId: m.sender.userId,
        handle: a['handle'] ?? m.sender.userId.slice(0, 8),
        role: a['role'] ?? 'VIEWER',
        content: m.content,
        at: m.sendTime.getTime(),
      };
      set({ lines: addLine(view.lines, line, m.requestId) });
    }) as never);
    r.addListener('messageDelete', ((ev: { messageId: string; reason?: string }) => {
      set({
        lines: view.lines.map((l) =>
          l.id === ev.messageId ? { ...l, deleted: ev.reason || 'Removed by a moderator' } : l,
        ),
      });
    }) as never);
    r.addListener('userDisconnect', ((ev: { userId: string; reason?: string }) =>
      deps.onUserDisconnect?.(ev.userId, ev.reason ?? '')) as never);
    r.addListener('event', ((ev: { eventName: string; attributes?: Record<string, string> }) =>
      deps.onEvent?.(ev.eventName, ev.attributes ?? {})) as never);
  };

  return {
    start() {
      void refreshHistory();
      room = deps.createRoom(guardedTokenProvider);
      wire(room);
      room.connect();
    },
    stop() {
      stopped = true;
      clearSettle();
      stopPolling();
      if (retry) clearTimeout(retry);
      if (timeoutEnds) clearTimeout(timeoutEnds);
      room?.disconnect();
      view.link = 'offline';
    },
    async send(content) {
      const entry: Outgoing = { content, lineId: '' };
      if (view.link !== 'live' || flushing || outbox.length) {
        const line = pendingLine(content, `queued-${Date.now()}-${outbox.length}`);
        entry.lineId = line.id;
        set({ lines: addLine(view.lines, line) });
        outbox.push(entry);
        if (view.link === 'live') void flushOutbox();
        return;
      }
      try {
        await attemptSend(entry);
      } catch (e) {
        // The socket dropped under this message: it goes out on reconnect.
        if (e === DROPPED) {
          outbox.push(entry);
          if (view.link === 'live') void flushOutbox();
          return;
        }
        set({ lines: view.lines.filter((l) => l.id !== entry.lineId) });
        throw e;
      }
    },
    view: () => ({ ...view }),
  };
}
