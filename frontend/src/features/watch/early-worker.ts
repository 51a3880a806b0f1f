/**
 * The IVS player's worker, started by the watch page's <head> instead of by the player.
 *
 * amazon-ivs-player's `create()` starts a Worker from the worker script's URL and posts it one message,
 * `{ wasmBinaryUrl, showWorkerLogs }`, on which the worker loads and instantiates its 2.1 MB WASM. On a
 * returning viewer's visit that came 430–730 ms after navigation (once the page's modules and the
 * player's JavaScript had run), and the worker's start, its 200 KB script and the WASM took another
 * 500–600 ms before the player could ask for the playlist (Chromium traces, 2026-12-03).
 *
 * `EARLY_WORKER_SCRIPT` (early-worker-script.ts) is an inline classic script for the head (Base.astro,
 * after the player's preload links, whose URLs it reads): it does what `create()` does, at once: starts
 * the worker (the signed-HLS hook first, as player-loader's own start script does) and posts it the
 * same first message. The player, once its module has loaded, is handed that worker
 * (`createWithEarlyWorker`): `create()`'s `new Worker(...)` returns it, and its repeat of the first
 * message is not sent again. Until `create()` the worker says nothing to the page: the worker answers
 * only the player's calls, which come after. A page without the early worker, a worker whose script
 * failed to load, or a player that cannot use it: the player starts its own, as before.
 */
import type { MediaPlayer, PlayerConfig } from 'amazon-ivs-player';

/** Where the head leaves the worker for the player (a window property, read and removed once). */
export const EARLY_WORKER_GLOBAL = '__bidstreamPlayerWorker';

/** Performance marks: the head started the worker; the player took it. */
export const EARLY_WORKER_MARK = 'bidstream:player-worker-started';
export const EARLY_WORKER_TAKEN_MARK = 'bidstream:player-worker-taken';

/** The head's link attributes that name the worker script and the WASM (build/preload-player.mjs). */
export const WORKER_LINK = 'data-player-worker';
export const WASM_LINK = 'data-player-wasm';

export interface EarlyWorker {
  worker: Worker;
  /** The absolute URL of the WASM the worker was told to load. */
  wasmBinaryUrl: string;
  /** The worker's script failed to load (its `error` event). */
  failed: boolean;
}

/**
 * The worker the head started for `wasmBinaryUrl`, once. Null when there is none, when it failed, or
 * when it was told to load another WASM (then it is terminated).
 */
export function takeEarlyWorker(wasmBinaryUrl: string, scope: Record<string, unknown> = globalThis): Worker | null {
  const started = removeEarlyWorker(scope);
  if (!started) return null;
  if (started.failed || started.wasmBinaryUrl !== wasmBinaryUrl) {
    started.worker.terminate();
    return null;
  }
  return started.worker;
}

/**
 * Ends the head's worker when no player will take it: the player's module failed to load, or this
 * browser cannot play. Otherwise the worker would hold its 2.1 MB WASM until the page goes away.
 */
export function dropEarlyWorker(scope: Record<string, unknown> = globalThis): void {
  removeEarlyWorker(scope)?.worker.terminate();
}

function removeEarlyWorker(scope: Record<string, unknown>): EarlyWorker | undefined {
  const started = scope[EARLY_WORKER_GLOBAL] as EarlyWorker | undefined;
  delete scope[EARLY_WORKER_GLOBAL];
  return started;
}

/**
 * `ivs.create(config)` with `worker` (the head's) as the player's worker. `create()` constructs its
 * Worker synchronously (amazon-ivs-player 1.56: `new Worker(url)`, then the `{ wasmBinaryUrl }`
 * message), so `Worker` is replaced only for that call; the message the early script already sent is
 * dropped. If `create()` did not ask for a worker, the early one is terminated.
 */
export function createWithEarlyWorker(
  create: (config: PlayerConfig) => MediaPlayer,
  config: PlayerConfig,
  worker: Worker,
  scope: { Worker: typeof Worker } = globalThis,
): MediaPlayer {
  const RealWorker = scope.Worker;
  let handed = false;
  const send = worker.postMessage.bind(worker);
  let repeated = false;
  worker.postMessage = ((message: unknown, ...rest: [StructuredSerializeOptions?]) => {
    if (!repeated && typeof message === 'object' && message !== null && 'wasmBinaryUrl' in message) {
      repeated = true;
      return;
    }
    send(message, ...rest);
  }) as Worker['postMessage'];
  scope.Worker = function EarlyWorkerHandOver(this: unknown, ...args: ConstructorParameters<typeof Worker>) {
    if (handed) return new RealWorker(...args);
    handed = true;
    return worker;
  } as unknown as typeof Worker;
  try {
    const player = create(config);
    if (handed && typeof performance !== 'undefined') performance.mark?.(EARLY_WORKER_TAKEN_MARK);
    return player;
  } finally {
    scope.Worker = RealWorker;
    if (!handed) worker.terminate();
  }
}
