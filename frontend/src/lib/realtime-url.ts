/**
 * Amplify's subscription client derives its WebSocket URL from the GraphQL URL (for a non-AppSync
 * host: `<graphqlUrl>/realtime` with the scheme forced to `wss://`). The local mode serves GraphQL
 * over plain http on loopback and its real-time endpoint over plain `ws://`, so when the runtime
 * config names a `realtimeUrl`, sockets Amplify opens to the derived URL are sent there instead.
 * In AWS the config has no `realtimeUrl` and nothing is rewritten.
 */
export function derivedRealtimeUrl(graphqlUrl: string): string {
  return `${graphqlUrl}/realtime`.replace(/^https?:\/\//, 'wss://');
}

/** The URL to open: `url` with the derived real-time prefix replaced by `realtimeUrl` (query kept). */
export function rewriteRealtimeUrl(url: string, graphqlUrl: string, realtimeUrl: string): string {
  const derived = derivedRealtimeUrl(graphqlUrl);
  if (!url.startsWith(derived)) return url;
  const rest = url.slice(derived.length);
  if (rest && !rest.startsWith('?') && !rest.startsWith('/')) return url;
  return realtimeUrl + rest;
}

type WebSocketCtor = new (url: string | URL, protocols?: string | string[]) => WebSocket;

/** Wraps the global WebSocket once so Amplify's real-time sockets reach `realtimeUrl`. */
export function installRealtimeRewrite(
  graphqlUrl: string,
  realtimeUrl: string | undefined,
  scope: { WebSocket?: WebSocketCtor } = globalThis as never,
): boolean {
  if (!realtimeUrl || realtimeUrl === derivedRealtimeUrl(graphqlUrl) || !scope.WebSocket) return false;
  const Native = scope.WebSocket as WebSocketCtor & { __realtimeRewrite?: true };
  if (Native.__realtimeRewrite) return true;
  class RewritingWebSocket extends (Native as WebSocketCtor) {
    static __realtimeRewrite = true as const;
    constructor(url: string | URL, protocols?: string | string[]) {
      super(rewriteRealtimeUrl(String(url), graphqlUrl, realtimeUrl as string), protocols);
    }
  }
  scope.WebSocket = RewritingWebSocket as unknown as WebSocketCtor;
  return true;
}
