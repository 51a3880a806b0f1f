/**
 * The IVS Chat messaging WebSocket server: the real `amazon-ivs-chat-messaging` client connects with
 * a token from CreateChatToken (the token is the WebSocket subprotocol, usable once), sends
 * SEND_MESSAGE (through the room's review handler: its answer within the timeout, else the room's
 * fallback), DELETE_MESSAGE and DISCONNECT_USER as its capabilities allow, and receives
 * MESSAGE/EVENT/ERROR entities.
 */
import { createServer, type Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { listen } from '../http';
import { now, randomChatId, type ChatHub, type Conn, type Room } from './rooms';

/** IVS Chat waits this long for the review handler, then applies the room's fallback. */
export const REVIEW_TIMEOUT_MS = 200;

export interface MessagingOptions {
  invokeReviewHandler(uri: string, event: unknown): Promise<unknown>;
  reviewTimeoutMs?: number;
  log(line: string): void;
}

type Verdict =
  | { result: 'ALLOW'; content: string; attributes: Record<string, string> | undefined }
  | { result: 'DENY'; reason: string | undefined };

async function review(
  opts: MessagingOptions,
  room: Room,
  conn: Conn,
  content: string,
  attributes: Record<string, string> | undefined,
  messageId: string,
): Promise<Verdict> {
  const handler = room.messageReviewHandler;
  if (!handler?.uri) return { result: 'ALLOW', content, attributes };
  const event = {
    Content: content,
    MessageId: messageId,
    RoomArn: room.arn,
    Attributes: attributes ?? {},
    Sender: { UserId: conn.token.userId, Attributes: conn.token.attributes, Ip: '127.0.0.1' },
  };
  const fallback = handler.fallbackResult ?? 'ALLOW';
  try {
    const answer = (await Promise.race([
      opts.invokeReviewHandler(handler.uri, event),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('review handler timed out')), opts.reviewTimeoutMs ?? REVIEW_TIMEOUT_MS),
      ),
    ])) as { ReviewResult?: string; Content?: string; Attributes?: Record<string, string> };
    if (answer?.ReviewResult === 'DENY') return { result: 'DENY', reason: answer.Attributes?.denialReason };
    if (answer?.ReviewResult !== 'ALLOW') throw new Error('invalid review response');
    return { result: 'ALLOW', content: answer.Content ?? content, attributes: answer.Attributes ?? attributes };
  } catch (error) {
    opts.log(`chat review handler failed (${(error as Error).message}); applying the room fallback ${fallback}`);
    return fallback === 'ALLOW' ? { result: 'ALLOW', content, attributes } : { result: 'DENY', reason: undefined };
  }
}

/** Starts the messaging server on `port`; stop it with `close()` after terminating the hub's connections. */
export async function startMessaging(
  hub: ChatHub,
  opts: MessagingOptions,
  port: number,
): Promise<{ server: Server; wss: WebSocketServer }> {
  const roomRate = new Map<string, number[]>();

  async function onRequest(conn: Conn, raw: string): Promise<void> {
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      hub.send(conn, { Type: 'ERROR', Id: randomChatId(12), ErrorCode: 400, ErrorMessage: 'Request must be JSON' });
      return;
    }
    const requestId = typeof req.RequestId === 'string' ? req.RequestId : undefined;
    const error = (code: number, message: string) =>
      hub.send(conn, {
        Type: 'ERROR',
        Id: randomChatId(12),
        RequestId: requestId,
        ErrorCode: code,
        ErrorMessage: message,
      });
    const need = (capability: string) => {
      if (conn.token.capabilities.includes(capability)) return true;
      error(403, `The chat token does not allow ${capability}`);
      return false;
    };
    const room = conn.room;
    switch (req.Action) {
      case 'SEND_MESSAGE': {
        if (!need('SEND_MESSAGE')) return;
        const content = String(req.Content ?? '');
        if (!content || [...content].length > room.maximumMessageLength) {
          error(400, `Message content must be 1-${room.maximumMessageLength} characters`);
          return;
        }
        const t = Date.now();
        const times = (roomRate.get(room.arn) ?? []).filter((x) => t - x < 1000);
        if (times.length >= room.maximumMessageRatePerSecond) {
          error(429, 'Too many messages in this room; slow down');
          return;
        }
        times.push(t);
        roomRate.set(room.arn, times);
        const messageId = randomChatId(12);
        const verdict = await review(
          opts,
          room,
          conn,
          content,
          req.Attributes as Record<string, string> | undefined,
          messageId,
        );
        if (verdict.result === 'DENY') {
          error(406, verdict.reason ?? "Message denied by the room's review handler");
          return;
        }
        hub.broadcast(room, {
          Type: 'MESSAGE',
          Id: messageId,
          RequestId: requestId,
          Content: verdict.content,
          SendTime: now(),
          Sender: { UserId: conn.token.userId, Attributes: conn.token.attributes },
          Attributes: verdict.attributes ?? {},
        });
        return;
      }
      case 'DELETE_MESSAGE': {
        if (!need('DELETE_MESSAGE')) return;
        hub.broadcast(
          room,
          hub.eventEntity(
            'aws:DELETE_MESSAGE',
            { MessageID: String(req.Id ?? ''), ...(req.Reason ? { Reason: String(req.Reason) } : {}) },
            requestId,
          ),
        );
        return;
      }
      case 'DISCONNECT_USER': {
        if (!need('DISCONNECT_USER')) return;
        hub.disconnect(room, String(req.UserId ?? ''), req.Reason ? String(req.Reason) : undefined, requestId);
        return;
      }
      default:
        error(400, `Unknown action ${String(req.Action)}`);
    }
  }

  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => [...protocols][0] ?? false });
  const server = createServer((_req, res) =>
    res.writeHead(426, { 'content-type': 'text/plain' }).end('IVS Chat messaging: connect with a WebSocket'),
  );
  server.on('upgrade', (req, socket, head) => {
    const tokenValue =
      String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')[0]
        ?.trim() ?? '';
    const token = hub.tokens.get(tokenValue);
    if (!token || token.expires < Date.now() || token.used) {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nInvalid or expired chat token\r\n');
      return;
    }
    const room = hub.state.rooms.find((r) => r.arn === token.roomArn);
    if (!room) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    token.used = true;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, token, room, sessionExpires: Date.now() + token.sessionMinutes * 60_000 };
      hub.conns.add(conn);
      const expiry = setTimeout(() => ws.close(1000, 'Session expired'), token.sessionMinutes * 60_000);
      ws.on('close', () => {
        clearTimeout(expiry);
        hub.conns.delete(conn);
      });
      ws.on('message', (raw) => void onRequest(conn, String(raw)));
    });
  });
  await listen(server, port, 'IVS Chat messaging');
  return { server, wss };
}
