/**
 * DynamoDB with IAM: a small HTTP proxy in front of DynamoDB Local (which checks no IAM) that
 * evaluates each call's IAM requests for the calling function, answers a refusal as DynamoDB does
 * (HTTP 400, `AccessDeniedException`), and forwards everything else unchanged.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../http';
import { callerOf } from './caller';
import { AccessDeniedError, type Authorizer } from './evaluator';
import { dynamodbRequests, type Scope } from './requests';

export interface DynamoDbProxy {
  /** Endpoint for AWS_ENDPOINT_URL_DYNAMODB. */
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 in front of `target` (DynamoDB Local's endpoint). */
export async function startDynamoDbProxy(opts: {
  target: string;
  authorizer: Authorizer;
  scope: Scope;
  port?: number;
}): Promise<DynamoDbProxy> {
  const target = new URL(opts.target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      try {
        const op = String(req.headers['x-amz-target'] ?? '').split('.')[1];
        if (op) {
          const parsed = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
          await opts.authorizer.enforce(callerOf(req), dynamodbRequests(op, parsed, opts.scope));
        }
      } catch (error) {
        if (!(error instanceof AccessDeniedError)) {
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' }).end(
            JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
              message: (error as Error).message,
            }),
          );
          return;
        }
        res
          .writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'local' })
          .end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: error.message }));
        return;
      }
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: error.message }),
        );
      });
      upstream.end(body);
    });
  });
  await listen(server, opts.port ?? 0, 'DynamoDB IAM proxy');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
