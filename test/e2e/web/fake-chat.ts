import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * Minimal IVS Chat messaging endpoint for fixture-mode UI tests (the wire shapes the
 * amazon-ivs-chat-messaging client parses: Type MESSAGE / EVENT / ERROR). The real local
 * emulator (CHAT) is exercised by journeys.test.ts.
 */
export async function startFakeChat(blocked: string[] = ['spam']) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => [...p][0] ?? false });
  const sockets = new Set<WebSocket>();
  const received: string[] = [];
  const broadcast = (o: object) => sockets.forEach((s) => s.send(JSON.stringify(o)));
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (raw) => {
      const req = JSON.parse(String(raw)) as { Action: string; RequestId: string; Content?: string };
      if (req.Action !== 'SEND_MESSAGE') return;
      const content = req.Content ?? '';
      received.push(content);
      if (blocked.some((w) => content.toLowerCase().includes(w))) {
        ws.send(
          JSON.stringify({
            Type: 'ERROR',
            Id: randomUUID(),
            RequestId: req.RequestId,
            ErrorCode: 406,
            ErrorMessage: 'contains a blocked word',
          }),
        );
        return;
      }
      broadcast({
        Type: 'MESSAGE',
        Id: randomUUID(),
        RequestId: req.RequestId,
        Content: content,
        SendTime: new Date().toISOString(),
        Sender: { UserId: 'u-bob', Attributes: { handle: 'bob', role: 'VIEWER' } },
      });
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const addr = wss.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `ws://127.0.0.1:${port}`,
    received,
    /** Another chatter says something. */
    say(handle: string, content: string, id = randomUUID()) {
      broadcast({
        Type: 'MESSAGE',
        Id: id,
        Content: content,
        SendTime: new Date().toISOString(),
        Sender: { UserId: `u-${handle}`, Attributes: { handle, role: 'VIEWER' } },
      });
      return id;
    },
    /** A moderator deleted a message. */
    deleteMessage(messageId: string, reason = 'Removed by a moderator') {
      broadcast({
        Type: 'EVENT',
        Id: randomUUID(),
        EventName: 'aws:DELETE_MESSAGE',
        SendTime: new Date().toISOString(),
        Attributes: { MessageID: messageId, Reason: reason },
      });
    },
    close: () =>
      new Promise<void>((r) => {
        sockets.forEach((s) => s.terminate());
        wss.close(() => r());
      }),
  };
}
