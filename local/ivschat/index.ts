/**
 * Local Amazon IVS Chat: the control plane the handlers call (control-plane.ts: REST-JSON through
 * AWS_ENDPOINT_URL_IVSCHAT: rooms, chat tokens, DeleteMessage, DisconnectUser, SendEvent, tags) and
 * a messaging WebSocket server speaking the IVS Chat messaging protocol (messaging.ts), so the real
 * `amazon-ivs-chat-messaging` client connects with a token from CreateChatToken (the token is the
 * WebSocket subprotocol), sends (SEND_MESSAGE through the room's review handler, 200 ms then the
 * room's fallback), receives MESSAGE/EVENT/ERROR entities, sees deletions and disconnections.
 * Rooms with a logging configuration log every message and event as IVS Chat logging does (the
 * documented record, one log stream per room) to the configuration's CloudWatch Logs group (rooms.ts).
 */
import type { AddressInfo } from 'node:net';
import type { Authorizer } from '../iam/evaluator';
import { chatOperations, ensureLoggingConfigurations, startChatControlServer } from './control-plane';
import { startMessaging } from './messaging';
import { chatHub, type LoggingDestination } from './rooms';

export { REVIEW_TIMEOUT_MS } from './messaging';
export type { LoggingDestination } from './rooms';

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

export interface LocalIvsChat {
  url: string;
  messagingUrl: string;
  /** ARNs of `loggingConfigurations`, by name. */
  loggingConfigurationArns: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts the local IVS Chat: control plane and messaging server, each on its own port. */
export async function startLocalIvsChat(opts: LocalIvsChatOptions): Promise<LocalIvsChat> {
  const hub = chatHub(opts.dataDir, opts.putLogRecord);
  const ops = chatOperations(hub);
  const loggingConfigurationArns = ensureLoggingConfigurations(hub, ops, opts.loggingConfigurations ?? []);
  const control = await startChatControlServer(hub, ops, opts.port ?? 0, opts.iam);
  const messaging = await startMessaging(
    hub,
    {
      invokeReviewHandler: opts.invokeReviewHandler,
      reviewTimeoutMs: opts.reviewTimeoutMs,
      log: opts.log ?? (() => undefined),
    },
    opts.messagingPort ?? 0,
  );
  return {
    url: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    messagingUrl: `ws://127.0.0.1:${(messaging.server.address() as AddressInfo).port}`,
    loggingConfigurationArns,
    async stop() {
      for (const c of hub.conns) c.ws.terminate();
      messaging.wss.close();
      control.closeAllConnections();
      messaging.server.closeAllConnections();
      await Promise.all([new Promise((r) => control.close(r)), new Promise((r) => messaging.server.close(r))]);
    },
  };
}
