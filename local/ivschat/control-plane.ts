/**
 * The IVS Chat control plane the handlers call (REST-JSON through AWS_ENDPOINT_URL_IVSCHAT): rooms,
 * chat tokens, DeleteMessage, DisconnectUser, SendEvent, logging configurations and tags, each call
 * authorized for its calling function when IAM is on.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { answerRestJson, listen, readBody } from '../http';
import { callerOf } from '../iam/caller';
import type { Authorizer } from '../iam/evaluator';
import { ivschatRequests } from '../iam/requests';
import {
  ACCOUNT,
  ChatError,
  now,
  randomChatId,
  REGION,
  type ChatHub,
  type LoggingDestination,
  type Room,
  type Token,
} from './rooms';

type Operation = (b: Record<string, unknown>) => unknown;

/** The operations by name, over the hub's rooms and tokens. */
export function chatOperations(hub: ChatHub): Record<string, Operation> {
  const { state, save, findRoom, inRoom, broadcast, eventEntity } = hub;
  const roomView = (r: Room) => ({ ...r });
  /** As IVS stores it: a handler's fallback is ALLOW unless DENY is asked for; anything else is refused. */
  const reviewHandlerOf = (value: unknown): Room['messageReviewHandler'] => {
    if (value === undefined || value === null) return undefined;
    const h = value as { uri?: string; fallbackResult?: string };
    if (h.fallbackResult !== undefined && h.fallbackResult !== 'ALLOW' && h.fallbackResult !== 'DENY') {
      throw new ChatError(
        'ValidationException',
        `messageReviewHandler.fallbackResult must be ALLOW or DENY (got ${String(h.fallbackResult)}).`,
        400,
      );
    }
    return { uri: h.uri ?? '', fallbackResult: h.fallbackResult ?? 'ALLOW' };
  };
  return {
    CreateRoom: (b) => {
      const rid = randomChatId(12);
      const room: Room = {
        arn: `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/${rid}`,
        id: rid,
        name: String(b.name ?? ''),
        createTime: now(),
        updateTime: now(),
        maximumMessageLength: Number(b.maximumMessageLength ?? 500),
        maximumMessageRatePerSecond: Number(b.maximumMessageRatePerSecond ?? 10),
        messageReviewHandler: reviewHandlerOf(b.messageReviewHandler),
        loggingConfigurationIdentifiers: (b.loggingConfigurationIdentifiers as string[]) ?? [],
        tags: (b.tags as Record<string, string>) ?? {},
      };
      state.rooms.push(room);
      save();
      return roomView(room);
    },
    GetRoom: (b) => roomView(findRoom(b.identifier)),
    UpdateRoom: (b) => {
      const room = findRoom(b.identifier);
      for (const k of [
        'name',
        'maximumMessageLength',
        'maximumMessageRatePerSecond',
        'loggingConfigurationIdentifiers',
      ] as const) {
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
      rooms: state.rooms
        .filter((r) => !b.name || r.name === b.name)
        .map((r) => ({
          arn: r.arn,
          id: r.id,
          name: r.name,
          createTime: r.createTime,
          updateTime: r.updateTime,
          tags: r.tags,
          messageReviewHandler: r.messageReviewHandler,
          loggingConfigurationIdentifiers: r.loggingConfigurationIdentifiers,
        })),
    }),
    CreateChatToken: (b) => {
      const room = findRoom(b.roomIdentifier);
      const userId = String(b.userId ?? '');
      if (!userId || userId.length > 128)
        throw new ChatError('ValidationException', 'userId must be 1-128 characters.', 400);
      const attributes = (b.attributes as Record<string, string>) ?? {};
      if (Buffer.byteLength(JSON.stringify(attributes)) > 500)
        throw new ChatError('ValidationException', 'attributes must be at most 500 bytes.', 400);
      const sessionMinutes = Math.min(Math.max(Number(b.sessionDurationInMinutes ?? 60), 1), 180);
      const token: Token = {
        token: `AQICAH${randomBytes(48).toString('base64url').replace(/[-_]/g, 'Z')}`,
        roomArn: room.arn,
        userId,
        attributes,
        capabilities: (b.capabilities as string[]) ?? [],
        sessionMinutes,
        expires: Date.now() + 60 * 60_000,
        used: false,
      };
      hub.tokens.set(token.token, token);
      return {
        token: token.token,
        tokenExpirationTime: new Date(token.expires).toISOString(),
        sessionExpirationTime: new Date(Date.now() + sessionMinutes * 60_000).toISOString(),
      };
    },
    DeleteMessage: (b) => {
      const room = findRoom(b.roomIdentifier);
      const eventId = randomChatId(12);
      broadcast(room, {
        ...eventEntity('aws:DELETE_MESSAGE', {
          MessageID: String(b.id),
          ...(b.reason ? { Reason: String(b.reason) } : {}),
        }),
        Id: eventId,
      });
      return { id: eventId };
    },
    DisconnectUser: (b) => {
      hub.disconnect(findRoom(b.roomIdentifier), String(b.userId), b.reason ? String(b.reason) : undefined);
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
        arn: `arn:aws:ivschat:${REGION}:${ACCOUNT}:logging-configuration/${randomChatId(12)}`,
        name: String(b.name ?? ''),
        destinationConfiguration: b.destinationConfiguration as LoggingDestination | undefined,
      };
      state.logging.push(cfg);
      save();
      return { ...cfg, state: 'ACTIVE' };
    },
  };
}

/** Makes sure each wanted logging configuration exists (found again by name on restart); answers their ARNs by name. */
export function ensureLoggingConfigurations(
  hub: ChatHub,
  ops: Record<string, Operation>,
  wanted: readonly { name: string; destinationConfiguration: LoggingDestination }[],
): Record<string, string> {
  const arns: Record<string, string> = {};
  for (const w of wanted) {
    const existing = hub.state.logging.find((l) => l.name === w.name);
    if (existing) {
      existing.destinationConfiguration = w.destinationConfiguration;
      hub.save();
    }
    arns[w.name] =
      existing?.arn ??
      (
        ops.CreateLoggingConfiguration!({ name: w.name, destinationConfiguration: w.destinationConfiguration }) as {
          arn: string;
        }
      ).arn;
  }
  return arns;
}

/** Serves the operations (and `/tags/<arn>`) on `port`, answering errors as IVS Chat does. */
export async function startChatControlServer(
  hub: ChatHub,
  ops: Record<string, Operation>,
  port: number,
  iam: Authorizer | undefined,
): Promise<Server> {
  const control = createServer(
    (req, res) =>
      void answerRestJson(res, async () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const raw = await readBody(req);
        const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        const tag = /^\/tags\/(.+)$/.exec(url.pathname);
        if (iam) {
          const opName = tag
            ? (({ POST: 'TagResource', DELETE: 'UntagResource' } as Record<string, string>)[req.method ?? ''] ??
              'ListTagsForResource')
            : url.pathname.slice(1);
          const lookup = {
            room: (identifier: string) => hub.state.rooms.find((r) => r.arn === identifier || r.id === identifier),
          };
          const resourceArn = tag ? decodeURIComponent(tag[1] as string) : undefined;
          await iam.enforce(
            callerOf(req),
            ivschatRequests(opName, { ...body, resourceArn }, lookup, { region: REGION, account: ACCOUNT }),
          );
        }
        if (tag) {
          const room = hub.findRoom(decodeURIComponent(tag[1] as string));
          if (req.method !== 'POST') return { tags: room.tags };
          room.tags = { ...room.tags, ...(body.tags as Record<string, string>) };
          hub.save();
          return {};
        }
        const op = ops[url.pathname.slice(1)];
        if (!op)
          throw new ChatError(
            'ValidationException',
            `The local IVS Chat endpoint does not implement ${url.pathname.slice(1)}.`,
            400,
          );
        return op(body);
      }),
  );
  await listen(control, port, 'IVS Chat control plane');
  return control;
}
