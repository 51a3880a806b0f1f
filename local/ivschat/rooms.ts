/**
 * The rooms of the local IVS Chat and who is connected to them: persisted rooms and logging
 * configurations, chat tokens, open connections, and how an entity reaches a room's clients (and
 * its chat log). The control plane and the messaging server both act through this hub.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { ServiceError as ChatError } from '../http';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

/** A logging configuration's destination (only CloudWatch Logs is delivered locally). */
export interface LoggingDestination {
  cloudWatchLogs?: { logGroupName: string };
  s3?: { bucketName: string };
  firehose?: { deliveryStreamName: string };
}

export interface Room {
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

export interface Token {
  token: string;
  roomArn: string;
  userId: string;
  capabilities: string[];
  attributes: Record<string, string>;
  sessionMinutes: number;
  expires: number;
  used: boolean;
}
export interface Conn {
  ws: WebSocket;
  token: Token;
  room: Room;
  sessionExpires: number;
}
export type Entity = { Type?: unknown } & Record<string, unknown>;

/** An IVS Chat API error: its `x-amzn-errortype` and HTTP status. */
export { ChatError };

/** A random id of `n` characters, as IVS Chat's entity and room ids look. */
export const randomChatId = (n = 12) => randomBytes(n).toString('base64url').replace(/[-_]/g, 'x').slice(0, n);
let lastSend = 0n;
/**
 * The time IVS Chat stamps on what it sends, strictly increasing in this process and to the
 * nanosecond (two messages of a burst often share a millisecond; their SendTime still orders them).
 */
export function now(): string {
  const wall = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  lastSend = wall > lastSend ? wall : lastSend + 1n;
  const ms = Number(lastSend / 1_000_000n);
  return new Date(ms).toISOString().replace(/Z$/, `${String(lastSend % 1_000_000n).padStart(6, '0')}Z`);
}

export type ChatHub = ReturnType<typeof chatHub>;

/** Loads the rooms persisted under `dataDir` and keeps them, the tokens and the connections. */
export function chatHub(
  dataDir: string,
  putLogRecord?: (logGroupName: string, logStreamName: string, message: string) => void,
) {
  mkdirSync(dataDir, { recursive: true });
  const statePath = join(dataDir, 'rooms.json');
  const state: {
    rooms: Room[];
    logging: { arn: string; name: string; destinationConfiguration?: LoggingDestination }[];
  } = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : { rooms: [], logging: [] };
  const conns = new Set<Conn>();
  const inRoom = (room: Room) => [...conns].filter((c) => c.room.arn === room.arn);
  const send = (c: Conn, entity: unknown) => {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(entity));
  };
  // IVS Chat logs what the room's clients receive: messages and events (User Guide, "Chat Logging").
  const logEntity = (room: Room, entity: Entity) => {
    if (!putLogRecord || (entity.Type !== 'MESSAGE' && entity.Type !== 'EVENT')) return;
    for (const identifier of room.loggingConfigurationIdentifiers) {
      const group = state.logging.find((l) => l.arn === identifier)?.destinationConfiguration?.cloudWatchLogs
        ?.logGroupName;
      if (!group) continue;
      putLogRecord(
        group,
        `aws/IVSChatLogs/1.0/room_${room.id}`,
        JSON.stringify({ event_timestamp: now(), type: entity.Type, version: '1.0', payload: entity }),
      );
    }
  };
  const broadcast = (room: Room, entity: Entity) => {
    for (const c of inRoom(room)) send(c, entity);
    logEntity(room, entity);
  };
  const eventEntity = (eventName: string, attributes: Record<string, string>, requestId?: string) => ({
    Type: 'EVENT',
    Id: randomChatId(12),
    RequestId: requestId,
    EventName: eventName,
    SendTime: now(),
    Attributes: attributes,
  });

  return {
    state,
    tokens: new Map<string, Token>(),
    conns,
    save: () => writeFileSync(statePath, JSON.stringify(state, null, 2)),
    findRoom(identifier: unknown): Room {
      const room = state.rooms.find((r) => r.arn === identifier || r.id === identifier);
      if (!room) throw new ChatError('ResourceNotFoundException', `Room not found: ${String(identifier)}`, 404);
      return room;
    },
    inRoom,
    send,
    broadcast,
    eventEntity,
    /** Tells the room, then closes the user's connections; answers how many were closed. */
    disconnect(room: Room, userId: string, reason: string | undefined, requestId?: string): number {
      broadcast(
        room,
        eventEntity('aws:DISCONNECT_USER', { UserId: userId, ...(reason ? { Reason: reason } : {}) }, requestId),
      );
      const targets = inRoom(room).filter((c) => c.token.userId === userId);
      for (const c of targets) c.ws.close(1000, (reason ?? 'Disconnected by a moderator').slice(0, 120));
      return targets.length;
    },
  };
}
