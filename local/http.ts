/** Small HTTP helpers shared by the local emulators. */
import type { IncomingMessage } from 'node:http';

/** The request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts listening on 127.0.0.1; rejects with one clear sentence when the port is taken. */
export function listen(server: import('node:net').Server, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `${what}: port ${port} is already in use; stop the program using it (or a previous npm start) and try again.`,
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** A port that was free on 127.0.0.1 a moment ago (for children that bind it themselves). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await listen(server, 0, 'free port probe');
  const port = (server.address() as import('node:net').AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An error of an AWS REST-JSON service: its `x-amzn-errortype`, HTTP status and message. */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Answers a REST-JSON call as the AWS services do: 204 without a result, else 200 with it as JSON;
 * a ServiceError with its status and type, an IAM refusal (iam/evaluator.ts's AccessDeniedError, named so) as
 * AccessDeniedException 403, anything else as InternalServerException 500. `errorBody` shapes the
 * error's JSON (services differ in the keys they add to `message`).
 */
export async function answerRestJson(
  res: import('node:http').ServerResponse,
  call: () => Promise<unknown>,
  errorBody: (message: string) => Record<string, unknown> = (message) => ({ message }),
): Promise<void> {
  try {
    const result = await call();
    if (result === undefined) res.writeHead(204).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  } catch (error) {
    const e =
      error instanceof ServiceError
        ? error
        : error instanceof Error && error.name === 'AccessDeniedException'
          ? new ServiceError('AccessDeniedException', error.message, 403)
          : new ServiceError('InternalServerException', (error as Error).message, 500);
    res
      .writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type })
      .end(JSON.stringify(errorBody(e.message)));
  }
}
