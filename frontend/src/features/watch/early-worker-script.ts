/**
 * The watch page head's inline script that starts the IVS player's worker (see early-worker.ts for
 * why, and for how the player takes it). Only Base.astro imports this module, so the script's text is
 * not shipped in the page's JavaScript.
 */
import { SIGNED_HLS_WORKER_HOOK } from '../replay/signed-hls';
import { EARLY_WORKER_GLOBAL, EARLY_WORKER_MARK, WASM_LINK, WORKER_LINK } from './early-worker';

/** A JavaScript literal for `value` that is safe inside an HTML <script> element. */
const literal = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * Starts the worker from the preload links, as amazon-ivs-player's `create()` would: the signed-HLS
 * hook, then the worker script, then the first message. A worker whose script fails to load is marked
 * failed (its `error` event), so the player starts its own instead of taking it. Never throws; without
 * WebAssembly, Worker or the links it does nothing.
 */
export const EARLY_WORKER_SCRIPT = `(() => {
  try {
    if (typeof WebAssembly !== 'object' || typeof Worker !== 'function') return;
    const script = document.querySelector('link[${WORKER_LINK}]');
    const wasm = document.querySelector('link[${WASM_LINK}]');
    if (!script || !wasm) return;
    const source = ${literal(SIGNED_HLS_WORKER_HOOK)} + '\\nimportScripts(' + JSON.stringify(script.href) + ');';
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    const started = { worker, wasmBinaryUrl: wasm.href, failed: false };
    worker.addEventListener('error', () => (started.failed = true));
    worker.postMessage({ wasmBinaryUrl: wasm.href, showWorkerLogs: false });
    window[${literal(EARLY_WORKER_GLOBAL)}] = started;
    if (performance.mark) performance.mark(${literal(EARLY_WORKER_MARK)});
  } catch (e) {
    // The player starts its own worker.
  }
})();`;
