/**
 * node-media-server 4 (RTMP) behind a small façade: start on a port, route its session events to
 * the running local IVS, stop. Everything else of the local IVS talks to this module only.
 *
 * Its public API is the class (`new NodeMediaServer(config)`, `on`, `run`, `stop`); two things it
 * does not offer are handled here:
 * - Removing listeners. `on()` adds to an event emitter kept in the package's module-level context
 *   (so is its configuration: one server per process), which outlives the instance and has no public
 *   `off()`. This module registers its listeners once, through `on()`, and routes each event to the
 *   server running now; after `stop()` nothing routes to it, so a later server in the same process
 *   never checks publishers against a stopped one's keys.
 * - Logging. There is no logging option: the constructor sets the package's logger to `debug`,
 *   prints a banner, and every RTMP connection then logs a line through console.log. `npm start`
 *   prints its own table, so the logger's level is pinned to `error` before the constructor runs.
 *   The logger is a module of the package that its index does not export
 *   (`node-media-server/src/core/logger.js`): the one place the local mode reaches past the
 *   package's API, held to the 4.x line by package.json's range.
 */
import { createServer as createNetServer, Socket } from 'node:net';
import { join } from 'node:path';
import { listen } from '../http';

/** The fields of a node-media-server session the local IVS reads. */
export interface NmsSession {
  streamPath: string;
  streamApp: string;
  socket: Socket;
}

/** The session events the local IVS handles. */
export interface NmsHandlers {
  prePublish(session: NmsSession): void;
  postPlay(session: NmsSession): void;
  donePlay(session: NmsSession): void;
}

interface NmsServer {
  on(event: string, listener: (session: NmsSession) => void): void;
  run(): Promise<void>;
  stop(): Promise<void>;
}

const EVENTS = ['prePublish', 'postPlay', 'donePlay'] as const;
/** The running server's handlers; the listeners registered once below call these. */
let current: NmsHandlers | undefined;
let routed = false;

export interface RtmpServer {
  stop(): Promise<void>;
}

async function quietLogger(): Promise<void> {
  const { default: logger } = (await import('node-media-server/src/core/logger.js')) as unknown as { default: object };
  Object.defineProperty(logger, 'level', { configurable: true, get: () => 'error', set: () => undefined });
}

/** Waits until the port accepts connections: node-media-server binds after run() resolves. */
async function untilAccepting(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = new Socket();
      sock
        .once('connect', () => {
          sock.destroy();
          resolve(true);
        })
        .once('error', () => resolve(false))
        .connect(port, '127.0.0.1');
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts node-media-server for RTMP on 127.0.0.1:`port`, its store under `dataDir/nms`. */
export async function startRtmpServer(port: number, dataDir: string, handlers: NmsHandlers): Promise<RtmpServer> {
  // node-media-server exits the process when its port is taken: check first, and fail like the other parts.
  const probe = createNetServer();
  await listen(probe, port, 'RTMP ingest');
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const { default: NodeMediaServer } = (await import('node-media-server')) as unknown as {
    default: new (config: object) => NmsServer;
  };
  await quietLogger();
  const nms = new NodeMediaServer({
    bind: '127.0.0.1',
    rtmp: { port, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
    webadmin: { enable: false },
    store: { path: join(dataDir, 'nms') },
  });
  if (!routed) {
    routed = true;
    for (const event of EVENTS) nms.on(event, (session) => current?.[event](session));
  }
  current = handlers;
  await nms.run();
  await untilAccepting(port);
  return {
    async stop() {
      if (current === handlers) current = undefined;
      await nms.stop();
    },
  };
}
