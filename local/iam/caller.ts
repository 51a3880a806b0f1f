/**
 * Who is calling: the Lambda runner runs each invocation inside `runAs(name)`, and an HTTP hook
 * stamps every outgoing request made in that invocation's async context with the function's name,
 * so a local stand-in knows whose policy applies. The handlers stay unchanged: their SDK clients
 * send through Node's http module, whose `http.client.request.created` diagnostics channel
 * (Node >= 22.12) lets the hook add a header before the request is sent.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

/** Header naming the calling function (stands in for the credentials a Lambda's role would sign with). */
export const CALLER_HEADER = 'x-local-caller';

const current = new AsyncLocalStorage<string>();
let installed = false;

/** Runs `fn` as `caller`: HTTP requests it makes carry CALLER_HEADER once `stampOutgoingRequests` ran. */
export function runAs<T>(caller: string, fn: () => T): T {
  return current.run(caller, fn);
}

/** The caller of the current async context, if any. */
export function currentCaller(): string | undefined {
  return current.getStore();
}

/** Installs the stamping hook once per process (idempotent). */
export function stampOutgoingRequests(): void {
  if (installed) return;
  installed = true;
  subscribe('http.client.request.created', (message) => {
    const caller = current.getStore();
    const request = (message as { request: ClientRequest }).request;
    if (caller && !request.headersSent) request.setHeader(CALLER_HEADER, caller);
  });
}

/** The caller a stand-in's incoming request names, if any. */
export function callerOf(req: IncomingMessage): string | undefined {
  const value = req.headers[CALLER_HEADER];
  return typeof value === 'string' && value ? value : undefined;
}
