/**
 * amazon-ivs-player, loaded and started before the page knows what to play. The watch page used to
 * wait for the API's answer, then load the player's JavaScript, then start its worker and WASM (2.1 MB
 * in a fresh browser), then fetch the stream: all in a row. The page calls `preloadPlayer()` as it
 * mounts, in parallel with the API call; `takePlayer()` hands the player already created to the first
 * Player that mounts (later ones get a new one).
 */
import type { MediaPlayer } from 'amazon-ivs-player';
import { preconnectTo } from '../../lib/config';
import { SIGNED_HLS_WORKER_HOOK } from '../replay/signed-hls';
import { createWithEarlyWorker, dropEarlyWorker, takeEarlyWorker } from './early-worker';

type IvsModule = typeof import('amazon-ivs-player');

/** The player module and a player ready to attach, or `unsupported` (no WebAssembly). */
export type Loaded = { ivs: IvsModule; player: MediaPlayer } | { ivs: IvsModule; player: null };

let module: Promise<{ ivs: IvsModule; wasmWorker: string; wasmBinary: string }> | undefined;
let warm: Promise<Loaded> | undefined;

function loadModule() {
  module ??= Promise.all([
    import('amazon-ivs-player'),
    import('amazon-ivs-player/dist/assets/amazon-ivs-wasmworker.min.js?url'),
    import('amazon-ivs-player/dist/assets/amazon-ivs-wasmworker.min.wasm?url'),
  ]).then(
    ([ivs, worker, wasm]) => ({ ivs, wasmWorker: worker.default, wasmBinary: wasm.default }),
    (error: unknown) => {
      // A failed fetch of the player's chunks (a dropped connection) is asked again on the next try,
      // and the head's worker, which nothing will take now, is ended.
      module = undefined;
      dropEarlyWorker();
      throw error;
    },
  );
  return module;
}

async function create(): Promise<Loaded> {
  const { ivs, wasmWorker, wasmBinary } = await loadModule();
  if (!ivs.isPlayerSupported) {
    dropEarlyWorker();
    return { ivs, player: null };
  }
  const worker = new URL(wasmWorker, location.href).href;
  const binary = new URL(wasmBinary, location.href).href;
  // The watch page's head started the worker already (early-worker.ts): the player takes it.
  const early = takeEarlyWorker(binary);
  if (early)
    return { ivs, player: createWithEarlyWorker(ivs.create, { wasmWorker: worker, wasmBinary: binary }, early) };
  // The player's worker starts with the signed-HLS hook (replay/signed-hls.ts), then runs as shipped.
  const shim = URL.createObjectURL(
    new Blob([`${SIGNED_HLS_WORKER_HOOK}\nimportScripts(${JSON.stringify(worker)});`], { type: 'text/javascript' }),
  );
  return { ivs, player: ivs.create({ wasmWorker: shim, wasmBinary: binary }) };
}

/** Starts loading the player and its worker now; safe to call more than once. */
export function preloadPlayer(): void {
  warm ??= create();
  // A failed preload is retried by takePlayer().
  warm.catch(() => (warm = undefined));
}

/** The preloaded player if nobody took it yet, else a new one. */
export function takePlayer(): Promise<Loaded> {
  const got = warm ?? create();
  warm = undefined;
  return got;
}

/** Opens the connection to the stream's host while the player is still starting. */
export const preconnect = (url: string): void => preconnectTo(url);
