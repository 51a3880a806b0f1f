/**
 * A local Lambda function URL: HTTP requests become the function URL event (payload format 2.0)
 * for the same handler, and its answer becomes the HTTP response, as the URL endpoint does in AWS.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../http';

export interface LocalFunctionUrl {
  /** Base URL with a trailing slash, like a function URL's. */
  url: string;
  stop(): Promise<void>;
}

interface UrlResult {
  statusCode?: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  cookies?: string[];
}

/** Serves `name` through `invoke` on 127.0.0.1:`port` (0 = a free port). */
export async function startFunctionUrl(
  invoke: (name: string, event: unknown) => Promise<unknown>,
  name: string,
  port = 0,
): Promise<LocalFunctionUrl> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const raw = Buffer.concat(chunks);
      const text = /^(text\/|application\/(json|x-www-form-urlencoded))/.test(headers['content-type'] ?? 'text/plain');
      const now = new Date();
      const event = {
        version: '2.0',
        routeKey: '$default',
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
        requestContext: {
          accountId: 'anonymous',
          apiId: name,
          domainName: headers.host ?? '127.0.0.1',
          domainPrefix: name,
          requestId: randomUUID(),
          routeKey: '$default',
          stage: '$default',
          time: now.toUTCString(),
          timeEpoch: now.getTime(),
          http: {
            method: req.method ?? 'GET',
            path: url.pathname,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
        },
        ...(raw.length ? { body: text ? raw.toString('utf8') : raw.toString('base64') } : {}),
        isBase64Encoded: raw.length > 0 && !text,
      };
      try {
        const out = await invoke(name, event);
        // A bare value is the body of a 200 JSON answer (the function URL shorthand).
        const result: UrlResult =
          out && typeof out === 'object' && 'statusCode' in out
            ? (out as UrlResult)
            : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(out) };
        res.writeHead(result.statusCode ?? 200, {
          ...result.headers,
          ...(result.cookies?.length ? { 'set-cookie': result.cookies } : {}),
        });
        res.end(result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
      } catch {
        res
          .writeHead(502, { 'content-type': 'application/json' })
          .end(JSON.stringify({ Message: 'Internal Server Error' }));
      }
    });
  });
  await listen(server, port, `Function URL (${name})`);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
