/**
 * A local Lambda Invoke endpoint (POST /2015-03-31/functions/<name>/invocations) over the runner,
 * so services that call Lambda themselves (cognito-local's triggers) reach the same handlers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaRunner } from './runner';
import { listen } from '../http';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { lambdaRequests } from '../iam/requests';

/** Local-only functions served beside the catalog's (emulation shims, never platform code). */
export type LocalFunctions = Record<string, (event: Record<string, unknown>) => unknown>;

/**
 * Starts the endpoint. With `iam`, an invocation by a platform function (its caller header) is
 * authorized as `lambda:InvokeFunction` on the target; services' own calls (cognito-local's
 * triggers, allowed in AWS by the function's resource policy) name no caller and are not checked.
 */
export async function startLambdaEndpoint(
  runner: Pick<LambdaRunner, 'invoke'>,
  port = 0,
  local: LocalFunctions = {},
  iam?: Authorizer,
): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (!m || req.method !== 'POST') {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ Type: 'User', message: 'Unknown Lambda API route' }));
        return;
      }
      const raw = decodeURIComponent(m[1] as string).replace(/^.*:function:/, '');
      const isLocal = (n: string) => Object.hasOwn(local, n);
      const name = isLocal(raw) ? raw : raw.replace(/^local-/, '');
      try {
        await iam?.enforce(
          callerOf(req),
          lambdaRequests(decodeURIComponent(m[1] as string), { region: 'us-east-1', account: '000000000000' }),
        );
      } catch (error) {
        const denied = error instanceof AccessDeniedError;
        res
          .writeHead(denied ? 403 : 500, {
            'content-type': 'application/json',
            'x-amzn-errortype': denied ? 'AccessDeniedException' : 'ServiceException',
          })
          .end(JSON.stringify({ Type: denied ? 'User' : 'Service', Message: (error as Error).message }));
        return;
      }
      try {
        const body = Buffer.concat(chunks).toString('utf8');
        const event = body ? (JSON.parse(body) as Record<string, unknown>) : {};
        const shim = isLocal(name) ? local[name] : undefined;
        const result = shim ? await shim(event) : await runner.invoke(name, event);
        res
          .writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' })
          .end(JSON.stringify(result ?? null));
      } catch (error) {
        res
          .writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
          .end(JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }));
      }
    });
  });
  await listen(server, port, 'Lambda endpoint');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
