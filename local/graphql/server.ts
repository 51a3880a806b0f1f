/**
 * Local GraphQL endpoint speaking AppSync's protocols over the local APPSYNC_JS engine:
 * - HTTP: POST /graphql, AppSync-shaped errors, CORS for the web app;
 * - real-time: WebSocket at /graphql/realtime, subprotocol `graphql-ws` (connection_init/ack, ka,
 *   start/start_ack/data/error, stop/complete), auth from the `header-<base64url>` subprotocol or
 *   the `header` query parameter, and per subscription from `extensions.authorization`.
 * Auth: a Cognito JWT (verified against local Cognito) is the user pool identity; a SigV4
 * Authorization with the local credentials is the backend's IAM identity (Lambdas publishing);
 * no Authorization is the guest IAM identity. IAM callers may use only the fields lib/api/access.ts
 * grants their role, as the IAM policies do in AWS. TLS: plain http/ws on loopback (see docs/local-mode.md).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { iamAccess } from '../../lib/api/access';
import type { Engine, LocalAuth } from '../appsync/engine';
import { listen, readBody } from '../http';
import { RATE_LIMITED_BODY, type RateLimit } from '../../lambdas/shared/domain/safety';
import { createRateLimiter } from './rate-limit';

export interface LocalGraphqlOptions {
  engine: Engine;
  verify(jwt: string): Promise<Record<string, unknown> & { sub: string; iss: string }>;
  port?: number;
  accountId?: string;
  log?: (line: string) => void;
  /** Keep-alive interval on real-time connections. @default 60000 */
  keepAliveMs?: number;
  /**
   * Per-IP request rate, as the stack's WAF rule enforces it (stage config safety.rateLimit): over it,
   * HTTP 429 with a GraphQL error. @default no limit
   */
  rateLimit?: RateLimit;
}

export interface LocalGraphql {
  url: string;
  realtimeUrl: string;
  stop(): Promise<void>;
}

type Who = { auth: LocalAuth; role: 'user' | 'guest' | 'backend' };

/**
 * What a local guest sends as Authorization on real-time subscriptions: Amplify's `none` auth mode
 * requires some Authorization header there. Requests without Authorization are guests as well.
 */
export const UNSIGNED_GUEST = 'unsigned-guest';

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers':
    'authorization, content-type, x-amz-date, x-amz-security-token, x-amz-user-agent, x-amz-content-sha256, x-api-key',
  'access-control-max-age': '86400',
};

class AuthError extends Error {}

export async function startLocalGraphql(opts: LocalGraphqlOptions): Promise<LocalGraphql> {
  const account = opts.accountId ?? '000000000000';
  const access = iamAccess(opts.engine.schema);
  const allowed = { guest: new Set(access.guest), backend: new Set(access.backend) };

  async function identify(authorization: string | undefined, sourceIp: string): Promise<Who> {
    if (authorization && authorization.startsWith('AWS4-HMAC-SHA256')) {
      if (!/Credential=local\//.test(authorization))
        throw new AuthError('The local GraphQL server accepts IAM requests signed with the local credentials only.');
      return {
        role: 'backend',
        auth: {
          mode: 'AWS_IAM',
          identity: {
            accountId: account,
            sourceIp: [sourceIp],
            userArn: `arn:aws:sts::${account}:assumed-role/local-lambda/local`,
            username: 'local-lambda',
          },
        },
      };
    }
    if (authorization && authorization !== UNSIGNED_GUEST) {
      let claims: Record<string, unknown> & { sub: string; iss: string };
      try {
        claims = await opts.verify(authorization.replace(/^Bearer\s+/i, ''));
      } catch (error) {
        throw new AuthError(`Valid authorization header not provided (${(error as Error).message}).`);
      }
      return {
        role: 'user',
        auth: {
          mode: 'AMAZON_COGNITO_USER_POOLS',
          identity: {
            sub: claims.sub,
            username: String(claims['cognito:username'] ?? claims.username ?? claims.sub),
            claims,
            groups: (claims['cognito:groups'] as string[] | undefined) ?? null,
            issuer: claims.iss,
            sourceIp: [sourceIp],
            defaultAuthStrategy: 'ALLOW',
          },
        },
      };
    }
    return {
      role: 'guest',
      auth: {
        mode: 'AWS_IAM',
        identity: {
          cognitoIdentityAuthType: 'unauthenticated',
          cognitoIdentityId: `us-east-1:guest-${sourceIp}`,
          cognitoIdentityPoolId: 'us-east-1:local',
          accountId: account,
          sourceIp: [sourceIp],
          userArn: `arn:aws:sts::${account}:assumed-role/local-guest/guest`,
          username: 'guest',
        },
      },
    };
  }

  /** The IAM policy check: root fields outside the role's grant are refused, as AppSync does. */
  function deniedFields(who: Who, query: string, operationName?: string): string[] {
    if (who.role === 'user') return [];
    const grant = who.role === 'guest' ? allowed.guest : allowed.backend;
    let doc;
    try {
      doc = parse(query);
    } catch {
      return []; // the engine reports the syntax error
    }
    const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
    if (!op) return [];
    const type = op.operation === 'query' ? 'Query' : op.operation === 'mutation' ? 'Mutation' : 'Subscription';
    return op.selectionSet.selections
      .filter((s) => s.kind === Kind.FIELD && !s.name.value.startsWith('__'))
      .map((s) => `${type}.${(s as { name: { value: string } }).name.value}`)
      .filter((f) => !grant.has(f));
  }

  const unauthorized = (fields: string[]) => ({
    data: null,
    errors: fields.map((f) => {
      const [type, field] = f.split('.');
      return { errorType: 'Unauthorized', message: `Not Authorized to access ${field} on type ${type}` };
    }),
  });

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { ...CORS, 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  };

  const limiter = opts.rateLimit ? createRateLimiter(opts.rateLimit) : undefined;
  const server = createServer(async (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS).end();
      return;
    }
    if (limiter && !limiter.allow(req.socket.remoteAddress ?? '')) {
      res.writeHead(429, { ...CORS, 'content-type': 'application/json; charset=UTF-8', 'retry-after': '60' });
      res.end(RATE_LIMITED_BODY);
      return;
    }
    if (req.method !== 'POST' || !(req.url ?? '').startsWith('/graphql')) {
      send(res, 404, { errors: [{ errorType: 'NotFound', message: 'POST /graphql' }] });
      return;
    }
    try {
      const body = JSON.parse(await readBody(req)) as {
        query?: string;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      if (!body.query) {
        send(res, 400, {
          errors: [{ errorType: 'MalformedHttpRequestException', message: 'The request body has no query.' }],
        });
        return;
      }
      const who = await identify(req.headers.authorization, req.socket.remoteAddress ?? '127.0.0.1');
      const denied = deniedFields(who, body.query, body.operationName);
      if (denied.length) {
        send(res, 200, unauthorized(denied));
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      send(
        res,
        200,
        await opts.engine.execute({
          query: body.query,
          variables: body.variables,
          operationName: body.operationName ?? undefined,
          auth: who.auth,
          headers,
        }),
      );
    } catch (error) {
      if (error instanceof AuthError)
        send(res, 401, { errors: [{ errorType: 'UnauthorizedException', message: error.message }] });
      else if (error instanceof SyntaxError)
        send(res, 400, {
          errors: [{ errorType: 'MalformedHttpRequestException', message: 'The request body is not JSON.' }],
        });
      else {
        opts.log?.(`graphql request failed: ${(error as Error).stack ?? String(error)}`);
        send(res, 500, {
          errors: [{ errorType: 'InternalFailure', message: 'The local GraphQL server failed; see its log.' }],
        });
      }
    }
  });

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('graphql-ws') ? 'graphql-ws' : false),
  });

  const decodeHeader = (value: string | undefined): Record<string, string> => {
    if (!value) return {};
    try {
      return JSON.parse(Buffer.from(value, 'base64url').toString('utf8') || '{}') as Record<string, string>;
    } catch {
      return {};
    }
  };

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/graphql/realtime') {
      socket.destroy();
      return;
    }
    if (limiter && !limiter.allow(req.socket.remoteAddress ?? '')) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nretry-after: 60\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim());
      const fromProtocol = protocols.find((p) => p.startsWith('header-'))?.slice('header-'.length);
      const connectionHeader = {
        ...decodeHeader(url.searchParams.get('header') ?? undefined),
        ...decodeHeader(fromProtocol),
      };
      realtime(ws, connectionHeader, req.socket.remoteAddress ?? '127.0.0.1');
    });
  });

  const sockets = new Set<WebSocket>();

  function realtime(ws: WebSocket, connectionHeader: Record<string, string>, ip: string): void {
    sockets.add(ws);
    const subs = new Map<string, () => void>();
    const out = (msg: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    const ka = setInterval(() => out({ type: 'ka' }), opts.keepAliveMs ?? 60_000);
    ws.on('close', () => {
      clearInterval(ka);
      for (const stop of subs.values()) stop();
      subs.clear();
      sockets.delete(ws);
    });
    ws.on('message', async (raw) => {
      let msg: {
        id?: string;
        type?: string;
        payload?: { data?: string; extensions?: { authorization?: Record<string, string> } };
      };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        out({
          type: 'connection_error',
          payload: { errors: [{ errorType: 'MalformedMessage', message: 'Messages must be JSON.' }] },
        });
        return;
      }
      if (msg.type === 'connection_init') {
        out({ type: 'connection_ack', payload: { connectionTimeoutMs: 300_000 } });
        out({ type: 'ka' });
        return;
      }
      const id = msg.id ?? '';
      if (msg.type === 'stop') {
        subs.get(id)?.();
        subs.delete(id);
        out({ id, type: 'complete' });
        return;
      }
      if (msg.type !== 'start') return;
      const fail = (errorType: string, message: string) =>
        out({ id, type: 'error', payload: { errors: [{ errorType, message }] } });
      try {
        const { query, variables } = JSON.parse(msg.payload?.data ?? '{}') as {
          query: string;
          variables?: Record<string, unknown>;
        };
        const header = msg.payload?.extensions?.authorization ?? connectionHeader;
        const who = await identify(header.Authorization ?? header.authorization, ip);
        const denied = deniedFields(who, query);
        if (denied.length) {
          fail('Unauthorized', unauthorized(denied).errors[0]?.message ?? 'Not Authorized');
          return;
        }
        const result = await opts.engine.subscribe({ query, variables, auth: who.auth }, (data) =>
          out({ id, type: 'data', payload: data }),
        );
        if (!result.ok) {
          out({ id, type: 'error', payload: { errors: result.errors } });
          return;
        }
        subs.set(id, result.unsubscribe);
        out({ id, type: 'start_ack' });
      } catch (error) {
        if (error instanceof AuthError) fail('UnauthorizedException', error.message);
        else fail('InternalFailure', (error as Error).message);
      }
    });
  }

  await listen(server, opts.port ?? 0, 'GraphQL');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    realtimeUrl: `ws://127.0.0.1:${port}/graphql/realtime`,
    async stop() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
