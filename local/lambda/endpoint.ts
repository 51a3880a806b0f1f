/**
 * A local Lambda Invoke endpoint (POST /2015-03-31/functions/<name>/invocations) over the runner,
 * so services that call Lambda themselves (cognito-local's triggers) reach the same handlers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaRunner } from './runner';

export async function startLambdaEndpoint(runner: LambdaRunner, port = 0): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (!m || req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ Type: 'User', message: 'Unknown Lambda API route' }));
        return;
      }
      const name = decodeURIComponent(m[1] as string).replace(/^.*:function:/, '').replace(/^local-/, '');
      try {
        const body = Buffer.concat(chunks).toString('utf8');
        const result = await runner.invoke(name, body ? JSON.parse(body) : {});
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' }).end(JSON.stringify(result ?? null));
      } catch (error) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
          .end(JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
