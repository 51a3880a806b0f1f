/**
 * Local Amazon IVS Chat: the control plane the handlers call (REST-JSON through
 * AWS_ENDPOINT_URL_IVSCHAT: rooms, chat tokens, DeleteMessage, DisconnectUser, SendEvent, tags) and
 * a messaging WebSocket server speaking the IVS Chat messaging protocol, so the real
 * `amazon-ivs-chat-messaging` client connects with a token from CreateChatToken (the token is the
 * WebSocket subprotocol), sends (SEND_MESSAGE through the room's review handler, 200 ms then the
 * room's fallback), receives MESSAGE/EVENT/ERROR entities, sees deletions and disconnections.
 * Rooms with a logging configuration log every message and event as IVS Chat logging does (the
 * documented record, one log stream per room) to the configuration's CloudWatch Logs group.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { listen, readBody } from '../http';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { ivschatRequests } from '../iam/requests';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** IVS Chat waits this long for the review handler, then applies the room's fallback. */
export const REVIEW_TIMEOUT_MS = 200;

export interface LocalIvsChatOptions {
  dataDir: string;
  port?: number;
  messagingPort?: number;
  invokeReviewHandler(uri: string, event: unknown): Promise<unknown>;
  log?: (line: string) => void;
  /** Review handler timeout (IVS: 200 ms, not adjustable). */
  reviewTimeoutMs?: number;
  /** When set, every control-plane call is authorized for its calling function (IAM in the local mode). */
  iam?: Authorizer;
  /** Logging configurations that exist from the start (what the stack creates), found again by name on restart. */
  loggingConfigurations?: { name: string; destinationConfiguration: LoggingDestination }[];
  /** Where a CloudWatch Logs destination's records go (the local CloudWatch Logs). */
  putLogRecord?: (logGroupName: string, logStreamName: string, message: string) => void;
}

/** A logging configuration's destination (only CloudWatch Logs is delivered locally). */
export interface LoggingDestination {
  cloudWatchLogs?: { logGroupName: string };
  s3?: { bucketName: string };
  firehose?: { deliveryStreamName: string };
}

export interface LocalIvsChat {
  url: string;
  messagingUrl: string;
  /** ARNs of `loggingConfigurations`, by name. */
  loggingConfigurationArns: Record<string, string>;
  stop(): Promise<void>;
}

interface Room {
  arn: string;
  id: string;
  name: string;
  createTime: string;
  updateTime: string;
  maximumMessageLength: number;
  maximumMessageRatePerSecond: number;
  messageReviewHandler?: { uri?: string; fallbackResult?: 'ALLOW' | 'DENY' };
  loggingConfigurationIdentifiers: string[];
  tags: Record<string, string>;
}

interface Token { token: string; roomArn: string; userId: string; capabilities: string[]; attributes: Record<string, string>; sessionMinutes: number; expires: number; used: boolean }
interface Conn { ws: WebSocket; token: Token; room: Room; sessionExpires: number }

class ChatError extends Error {
  constructor(readonly type: string, message: string, readonly status: number) { super(message); }
}

const id = (n = 12) => randomBytes(n).toString('base64url').replace(/[-_]/g, 'x').slice(0, n);

export async function startLocalIvsChat(opts: LocalIvsChatOptions): Promise<LocalIvsChat> {
  const log = opts.log ?? (() => undefined);
  mkdirSync(opts.dataDir, { recursive: true });
  const statePath = join(opts.dataDir, 'rooms.json');
  const state: { rooms: Room[]; logging: { arn: string; name: string; destinationConfiguration?: LoggingDestination }[] } = existsSync(statePath)
    ? JSON.parse(readFileSync(statePath, 'utf8')) : { rooms: [], logging: [] };
  const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2));
  const tokens = new Map<string, Token>();
  const conns = new Set<Conn>();
  const roomRate = new Map<string, number[]>();

  const findRoom = (identifier: unknown): Room => {
    const room = state.rooms.find((r) => r.arn === identifier || r.id === identifier);
    if (!room) throw new ChatError('ResourceNotFoundException', `Room not found: ${String(identifier)}`, 404);
    return room;
  };
  const now = () => new Date().toISOString();
  const inRoom = (room: Room) => [...conns].filter((c) => c.room.arn === room.arn);
  const send = (c: Conn, entity: unknown) => { if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(entity)); };
  // IVS Chat logs what the room's clients receive: messages and events (User Guide, "Chat Logging").
  const logEntity = (room: Room, entity: { Type?: unknown } & Record<string, unknown>) => {
    if (!opts.putLogRecord || (entity.Type !== 'MESSAGE' && entity.Type !== 'EVENT')) return;
    for (const identifier of room.loggingConfigurationIdentifiers) {
      const group = state.logging.find((l) => l.arn === identifier)?.destinationConfiguration?.cloudWatchLogs?.logGroupName;
      if (!group) continue;
      opts.putLogRecord(group, `aws/IVSChatLogs/1.0/room_${room.id}`, JSON.stringify({ event_timestamp: now(), type: entity.Type, version: '1.0', payload: entity }));
    }
  };
  const broadcast = (room: Room, entity: { Type?: unknown } & Record<string, unknown>) => {
    for (const c of inRoom(room)) send(c, entity);
    logEntity(room, entity);
  };
  const eventEntity = (eventName: string, attributes: Record<string, string>, requestId?: string) =>
    ({ Type: 'EVENT', Id: id(12), RequestId: requestId, EventName: eventName, SendTime: now(), Attributes: attributes });

  const disconnect = (room: Room, userId: string, reason: string | undefined, requestId?: string) => {
    broadcast(room, eventEntity('aws:DISCONNECT_USER', { UserId: userId, ...(reason ? { Reason: reason } : {}) }, requestId));
    const targets = inRoom(room).filter((c) => c.token.userId === userId);
    for (const c of targets) c.ws.close(1000, (reason ?? 'Disconnected by a moderator').slice(0, 120));
    return targets.length;
  };

  // ---------- control plane ----------
  const roomView = (r: Room) => ({ ...r });
  /** As IVS stores it: a handler's fallback is ALLOW unless DENY is asked for; anything else is refused. */
  const reviewHandlerOf = (value: unknown): Room['messageReviewHandler'] => {
    if (value === undefined || value === null) return undefined;
    const h = value as { uri?: string; fallbackResult?: string };
    if (h.fallbackResult !== undefined && h.fallbackResult !== 'ALLOW' && h.fallbackResult !== 'DENY') {
      throw new ChatError('ValidationException', `messageReviewHandler.fallbackResult must be ALLOW or DENY (got ${String(h.fallbackResult)}).`, 400);
    }
    return { uri: h.uri ?? '', fallbackResult: h.fallbackResult ?? 'ALLOW' };
  };
  const ops: Record<string, (b: Record<string, unknown>) => unknown> = {
    CreateRoom: (b) => {
      const rid = id(12);
      const room: Room = {
        arn: `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/${rid}`, id: rid, name: String(b.name ?? ''), createTime: now(), updateTime: now(),
        maximumMessageLength: Number(b.maximumMessageLength ?? 500), maximumMessageRatePerSecond: Number(b.maximumMessageRatePerSecond ?? 10),
        messageReviewHandler: reviewHandlerOf(b.messageReviewHandler), loggingConfigurationIdentifiers: (b.loggingConfigurationIdentifiers as string[]) ?? [],
        tags: (b.tags as Record<string, string>) ?? {},
      };
      state.rooms.push(room);
      save();
      return roomView(room);
    },
    GetRoom: (b) => roomView(findRoom(b.identifier)),
    UpdateRoom: (b) => {
      const room = findRoom(b.identifier);
      for (const k of ['name', 'maximumMessageLength', 'maximumMessageRatePerSecond', 'loggingConfigurationIdentifiers'] as const) {
        if (b[k] !== undefined) (room as unknown as Record<string, unknown>)[k] = b[k];
      }
      if (b.messageReviewHandler !== undefined) room.messageReviewHandler = reviewHandlerOf(b.messageReviewHandler);
      room.updateTime = now();
      save();
      return roomView(room);
    },
    DeleteRoom: (b) => {
      const room = findRoom(b.identifier);
      for (const c of inRoom(room)) c.ws.close(1000, 'Room deleted');
      state.rooms = state.rooms.filter((r) => r !== room);
      save();
      return undefined;
    },
    ListRooms: (b) => ({
      rooms: state.rooms.filter((r) => !b.name || r.name === b.name).map((r) => ({
        arn: r.arn, id: r.id, name: r.name, createTime: r.createTime, updateTime: r.updateTime, tags: r.tags,
        messageReviewHandler: r.messageReviewHandler, loggingConfigurationIdentifiers: r.loggingConfigurationIdentifiers,
      })),
    }),
    CreateChatToken: (b) => {
      const room = findRoom(b.roomIdentifier);
      const userId = String(b.userId ?? '');
      if (!userId || userId.length > 128) throw new ChatError('ValidationException', 'userId must be 1-128 characters.', 400);
      const attributes = (b.attributes as Record<string, string>) ?? {};
      if (Buffer.byteLength(JSON.stringify(attributes)) > 500) throw new ChatError('ValidationException', 'attributes must be at most 500 bytes.', 400);
      const sessionMinutes = Math.min(Math.max(Number(b.sessionDurationInMinutes ?? 60), 1), 180);
      const token: Token = {
        token: `AQICAH${randomBytes(48).toString('base64url').replace(/[-_]/g, 'Z')}`, roomArn: room.arn, userId, attributes,
        capabilities: (b.capabilities as string[]) ?? [], sessionMinutes, expires: Date.now() + 60 * 60_000, used: false,
      };
      tokens.set(token.token, token);
      return { token: token.token, tokenExpirationTime: new Date(token.expires).toISOString(), sessionExpirationTime: new Date(Date.now() + sessionMinutes * 60_000).toISOString() };
    },
    DeleteMessage: (b) => {
      const room = findRoom(b.roomIdentifier);
      const eventId = id(12);
      broadcast(room, { ...eventEntity('aws:DELETE_MESSAGE', { MessageID: String(b.id), ...(b.reason ? { Reason: String(b.reason) } : {}) }), Id: eventId });
      return { id: eventId };
    },
    DisconnectUser: (b) => {
      const room = findRoom(b.roomIdentifier);
      disconnect(room, String(b.userId), b.reason ? String(b.reason) : undefined);
      return {};
    },
    SendEvent: (b) => {
      const room = findRoom(b.roomIdentifier);
      const entity = eventEntity(String(b.eventName), (b.attributes as Record<string, string>) ?? {});
      broadcast(room, entity);
      return { id: entity.Id };
    },
    CreateLoggingConfiguration: (b) => {
      const cfg = {
        arn: `arn:aws:ivschat:${REGION}:${ACCOUNT}:logging-configuration/${id(12)}`, name: String(b.name ?? ''),
        destinationConfiguration: b.destinationConfiguration as LoggingDestination | undefined,
      };
      state.logging.push(cfg);
      save();
      return { ...cfg, state: 'ACTIVE' };
    },
  };
  const loggingConfigurationArns: Record<string, string> = {};
  for (const wanted of opts.loggingConfigurations ?? []) {
    const existing = state.logging.find((l) => l.name === wanted.name);
    if (existing) {
      existing.destinationConfiguration = wanted.destinationConfiguration;
      save();
    }
    loggingConfigurationArns[wanted.name] = existing?.arn
      ?? (ops.CreateLoggingConfiguration!({ name: wanted.name, destinationConfiguration: wanted.destinationConfiguration }) as { arn: string }).arn;
  }

  const control = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      const raw = await readBody(req);
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      let result: unknown;
      const tag = /^\/tags\/(.+)$/.exec(url.pathname);
      if (opts.iam) {
        const opName = tag ? ({ POST: 'TagResource', DELETE: 'UntagResource' } as Record<string, string>)[req.method ?? ''] ?? 'ListTagsForResource' : url.pathname.slice(1);
        const lookup = { room: (identifier: string) => state.rooms.find((r) => r.arn === identifier || r.id === identifier) };
        const resourceArn = tag ? decodeURIComponent(tag[1] as string) : undefined;
        await opts.iam.enforce(callerOf(req), ivschatRequests(opName, { ...body, resourceArn }, lookup, { region: REGION, account: ACCOUNT }));
      }
      if (tag) {
        const room = findRoom(decodeURIComponent(tag[1] as string));
        if (req.method === 'POST') { room.tags = { ...room.tags, ...(body.tags as Record<string, string>) }; save(); result = {}; } else result = { tags: room.tags };
      } else {
        const op = ops[url.pathname.slice(1)];
        if (!op) throw new ChatError('ValidationException', `The local IVS Chat endpoint does not implement ${url.pathname.slice(1)}.`, 400);
        result = op(body);
      }
      if (result === undefined) res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      const e = error instanceof ChatError ? error
        : error instanceof AccessDeniedError ? new ChatError('AccessDeniedException', error.message, 403)
          : new ChatError('InternalServerException', (error as Error).message, 500);
      res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type }).end(JSON.stringify({ message: e.message }));
    }
  });
  await listen(control, opts.port ?? 0, 'IVS Chat control plane');

  // ---------- messaging ----------
  const review = async (room: Room, conn: Conn, content: string, attributes: Record<string, string> | undefined, messageId: string) => {
    const handler = room.messageReviewHandler;
    if (!handler?.uri) return { result: 'ALLOW' as const, content, attributes };
    const event = { Content: content, MessageId: messageId, RoomArn: room.arn, Attributes: attributes ?? {}, Sender: { UserId: conn.token.userId, Attributes: conn.token.attributes, Ip: '127.0.0.1' } };
    // IVS's default for a room that names no fallback.
    const fallback = handler.fallbackResult ?? 'ALLOW';
    try {
      const answer = (await Promise.race([
        opts.invokeReviewHandler(handler.uri, event),
        new Promise((_, reject) => setTimeout(() => reject(new Error('review handler timed out')), opts.reviewTimeoutMs ?? REVIEW_TIMEOUT_MS)),
      ])) as { ReviewResult?: string; Content?: string; Attributes?: Record<string, string> };
      if (answer?.ReviewResult === 'DENY') return { result: 'DENY' as const, reason: answer.Attributes?.denialReason };
      if (answer?.ReviewResult !== 'ALLOW') throw new Error('invalid review response');
      return { result: 'ALLOW' as const, content: answer.Content ?? content, attributes: answer.Attributes ?? attributes };
    } catch (error) {
      log(`chat review handler failed (${(error as Error).message}); applying the room fallback ${fallback}`);
      return fallback === 'ALLOW' ? { result: 'ALLOW' as const, content, attributes } : { result: 'DENY' as const, reason: undefined };
    }
  };

  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => [...protocols][0] ?? false });
  const messaging = createServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('IVS Chat messaging: connect with a WebSocket'));
  messaging.on('upgrade', (req, socket, head) => {
    const tokenValue = String(req.headers['sec-websocket-protocol'] ?? '').split(',')[0]?.trim() ?? '';
    const token = tokens.get(tokenValue);
    if (!token || token.expires < Date.now() || token.used) {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nInvalid or expired chat token\r\n');
      return;
    }
    const room = state.rooms.find((r) => r.arn === token.roomArn);
    if (!room) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    token.used = true;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, token, room, sessionExpires: Date.now() + token.sessionMinutes * 60_000 };
      conns.add(conn);
      const expiry = setTimeout(() => ws.close(1000, 'Session expired'), token.sessionMinutes * 60_000);
      ws.on('close', () => { clearTimeout(expiry); conns.delete(conn); });
      ws.on('message', (raw) => void onRequest(conn, String(raw)));
    });
  });

  async function onRequest(conn: Conn, raw: string): Promise<void> {
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      send(conn, { Type: 'ERROR', Id: id(12), ErrorCode: 400, ErrorMessage: 'Request must be JSON' });
      return;
    }
    const requestId = typeof req.RequestId === 'string' ? req.RequestId : undefined;
    const error = (code: number, message: string) => send(conn, { Type: 'ERROR', Id: id(12), RequestId: requestId, ErrorCode: code, ErrorMessage: message });
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
        const messageId = id(12);
        const verdict = await review(room, conn, content, req.Attributes as Record<string, string> | undefined, messageId);
        if (verdict.result === 'DENY') {
          error(406, verdict.reason ?? 'Message denied by the room\'s review handler');
          return;
        }
        broadcast(room, {
          Type: 'MESSAGE', Id: messageId, RequestId: requestId, Content: verdict.content, SendTime: new Date().toISOString(),
          Sender: { UserId: conn.token.userId, Attributes: conn.token.attributes }, Attributes: verdict.attributes ?? {},
        });
        return;
      }
      case 'DELETE_MESSAGE': {
        if (!need('DELETE_MESSAGE')) return;
        broadcast(room, eventEntity('aws:DELETE_MESSAGE', { MessageID: String(req.Id ?? ''), ...(req.Reason ? { Reason: String(req.Reason) } : {}) }, requestId));
        return;
      }
      case 'DISCONNECT_USER': {
        if (!need('DISCONNECT_USER')) return;
        disconnect(room, String(req.UserId ?? ''), req.Reason ? String(req.Reason) : undefined, requestId);
        return;
      }
      default:
        error(400, `Unknown action ${String(req.Action)}`);
    }
  }

  await listen(messaging, opts.messagingPort ?? 0, 'IVS Chat messaging');
  return {
    url: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    messagingUrl: `ws://127.0.0.1:${(messaging.address() as AddressInfo).port}`,
    loggingConfigurationArns,
    async stop() {
      for (const c of conns) c.ws.terminate();
      wss.close();
      control.closeAllConnections();
      messaging.closeAllConnections();
      await Promise.all([new Promise((r) => control.close(r)), new Promise((r) => messaging.close(r))]);
    },
  };
}
