import { WebSocketServer, type WebSocket } from 'ws';

/**
 * Minimal AppSync real-time endpoint for fixture-mode UI tests: the `graphql-ws` subprotocol
 * messages Amplify's subscription client speaks (connection_init/ack, start/start_ack, data, stop).
 * `push(field, value)` delivers `{ [field]: value }` to every open subscription on that field.
 * The local GraphQL server (local/graphql/server.ts) is the full implementation, exercised by journeys.test.ts.
 */
export async function startFakeRealtime() {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (p) => (p.has('graphql-ws') ? 'graphql-ws' : false),
  });
  const subs = new Map<string, { ws: WebSocket; field: string; variables: Record<string, unknown> }>();
  wss.on('connection', (ws) => {
    const out = (o: object) => ws.send(JSON.stringify(o));
    ws.on('close', () => {
      for (const [id, s] of subs) if (s.ws === ws) subs.delete(id);
    });
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { type: string; id?: string; payload?: { data?: string } };
      if (msg.type === 'connection_init') {
        out({ type: 'connection_ack', payload: { connectionTimeoutMs: 300_000 } });
        out({ type: 'ka' });
      } else if (msg.type === 'start' && msg.id) {
        const body = JSON.parse(msg.payload?.data ?? '{}') as { query?: string; variables?: Record<string, unknown> };
        const field = /subscription[^{]*\{\s*(\w+)/.exec(body.query ?? '')?.[1] ?? '';
        subs.set(`${msg.id}`, { ws, field, variables: body.variables ?? {} });
        out({ id: msg.id, type: 'start_ack' });
      } else if (msg.type === 'stop' && msg.id) {
        subs.delete(msg.id);
        out({ id: msg.id, type: 'complete' });
      }
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const addr = wss.address();
  const url = `ws://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url,
    /** Open subscriptions on `field` (what a test waits for before pushing). */
    count: (field: string) => [...subs.values()].filter((s) => s.field === field).length,
    push(field: string, value: unknown): number {
      let n = 0;
      for (const [id, s] of subs) {
        if (s.field !== field || s.ws.readyState !== s.ws.OPEN) continue;
        s.ws.send(JSON.stringify({ id, type: 'data', payload: { data: { [field]: value } } }));
        n += 1;
      }
      return n;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}
