/**
 * The IVS player's worker, started by the watch page's <head> instead of by the player.
 *
 * amazon-ivs-player's `create()` starts a Worker from the worker script's URL and posts it one message,
 * `{ wasmBinaryUrl, showWorkerLogs }`, on which the worker loads and instantiates its 2.1 MB WASM. On a
 * returning viewer's visit that came 430–730 ms after navigation (once the page's modules and the
 * player's JavaScript had run), and the worker's start, its 200 KB script and the WASM took another
 * 500–600 ms before the player could ask for the playlist (Chromium traces, 2026-12-03).
 *
 * `EARLY_WORKER_SCRIPT` is an inline classic script for the head (Base.astro, after the player's preload
 * links, whose URLs it reads): it does what `create()` does, at once: starts the worker (the signed-HLS
 * hook first, as player-loader's own start script does) and posts it the same first message. The
 * player, once its module has loaded, is handed that worker (`createWithEarlyWorker`): `create()`'s
 * `new Worker(...)` returns it, and its repeat of the first message is not sent again. A page without
 * the early worker, or a player that cannot use it, starts its own as before.
 */
import type { MediaPlayer, PlayerConfig } from 'amazon-ivs-player';
import { SIGNED_HLS_WORKER_HOOK } from '../replay/signed-hls';

/** Where the head leaves the worker for the player (a window property, read and removed once). */
export const EARLY_WORKER_GLOBAL = '__bidstreamPlayerWorker';

/** The head's link attributes that name the worker script and the WASM (build/preload-player.mjs). */
export const WORKER_LINK = 'data-player-worker';
export const WASM_LINK = 'data-player-wasm';

export interface EarlyWorker {
  worker: Worker;
  /** The absolute URL of the WASM the worker was told to load. */
  wasmBinaryUrl: string;
  /** The worker's messages so far (kept by `keep`, its listener until the player takes it). */
  early: unknown[];
  keep: (e: MessageEvent) => void;
}

/** A worker the head started, with what it said before anyone listened. */
export interface HandOver {
  worker: Worker;
  /** Messages the worker sent before the player listened: delivered again once it does. */
  early: unknown[];
}

/** The head's script: starts the worker with the page. Never throws; without WebAssembly it does nothing. */
export const EARLY_WORKER_SCRIPT = `(() => {
  try {
    if (typeof WebAssembly !== 'object' || typeof Worker !== 'function') return;
    const script = document.querySelector('link[${WORKER_LINK}]');
    const wasm = document.querySelector('link[${WASM_LINK}]');
    if (!script || !wasm) return;
    const hook = ${JSON.stringify(SIGNED_HLS_WORKER_HOOK)};
    const source = hook + '\\nimportScripts(' + JSON.stringify(script.href) + ');';
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    // What the worker says before the player listens (an error loading the WASM) is kept for the player.
    const early = [];
    const keep = (e) => early.push(e.data);
    worker.addEventListener('message', keep);
    worker.postMessage({ wasmBinaryUrl: wasm.href, showWorkerLogs: false });
    window[${JSON.stringify(EARLY_WORKER_GLOBAL)}] = { worker, wasmBinaryUrl: wasm.href, early, keep };
  } catch (e) {
    // The player starts its own worker.
  }
})();`;

/** The worker the head started for `wasmBinaryUrl`, once; null when there is none (or for another WASM). */
export function takeEarlyWorker(wasmBinaryUrl: string, scope: Record<string, unknown> = globalThis): HandOver | null {
  const started = scope[EARLY_WORKER_GLOBAL] as EarlyWorker | undefined;
  if (!started) return null;
  delete scope[EARLY_WORKER_GLOBAL];
  started.worker.removeEventListener('message', started.keep);
  if (started.wasmBinaryUrl !== wasmBinaryUrl) {
    started.worker.terminate();
    return null;
  }
  return { worker: started.worker, early: started.early };
}

/**
 * `ivs.create(config)` with the head's worker as the player's worker. `create()` constructs its Worker
 * synchronously (amazon-ivs-player 1.56: `new Worker(url)`, then the `{ wasmBinaryUrl }` message),
 * so `Worker` is replaced only for that call; the message the early script already sent is dropped,
 * and what the worker said before the player listened is delivered again, in order, before anything
 * later. If `create()` did not ask for a worker, the early one is terminated.
 */
export function createWithEarlyWorker(
  create: (config: PlayerConfig) => MediaPlayer,
  config: PlayerConfig,
  { worker, early }: HandOver,
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
    if (handed) for (const data of early) worker.dispatchEvent(new MessageEvent('message', { data }));
    return player;
  } finally {
    scope.Worker = RealWorker;
    if (!handed) worker.terminate();
  }
}
