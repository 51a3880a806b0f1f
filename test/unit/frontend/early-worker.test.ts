import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { MediaPlayer, PlayerConfig } from 'amazon-ivs-player';
import {
  createWithEarlyWorker,
  EARLY_WORKER_GLOBAL,
  EARLY_WORKER_MARK,
  takeEarlyWorker,
} from '../../../frontend/src/features/watch/early-worker';
import { EARLY_WORKER_SCRIPT } from '../../../frontend/src/features/watch/early-worker-script';
import { SIGNED_HLS_WORKER_HOOK } from '../../../frontend/src/features/replay/signed-hls';

/** A Worker stand-in that records what it was started with and what it was sent. */
class FakeWorker extends EventTarget {
  static started: FakeWorker[] = [];
  sent: unknown[] = [];
  terminated = false;
  constructor(public url: string) {
    super();
    FakeWorker.started.push(this);
  }
  postMessage(m: unknown) {
    this.sent.push(m);
  }
  terminate() {
    this.terminated = true;
  }
}

/** Runs the head's script in a page with the given preload links; answers the page's globals. */
function runHeadScript(links: Record<string, string>, extra: Record<string, unknown> = {}) {
  const blobs = new Map<string, string>();
  const marks: string[] = [];
  FakeWorker.started = [];
  const page: Record<string, unknown> = {
    WebAssembly: {},
    Worker: FakeWorker,
    JSON,
    performance: { mark: (name: string) => marks.push(name) },
    Blob: class {
      constructor(public parts: string[]) {}
    },
    URL: {
      createObjectURL: (b: { parts: string[] }) => {
        const url = `blob:page/${blobs.size}`;
        blobs.set(url, b.parts.join(''));
        return url;
      },
    },
    document: {
      querySelector: (sel: string) => {
        const attr = /link\[([\w-]+)\]/.exec(sel)?.[1] ?? '';
        return attr in links ? { href: links[attr] } : null;
      },
    },
    ...extra,
  };
  page['window'] = page;
  runInNewContext(EARLY_WORKER_SCRIPT, page);
  return { page, blobs, marks };
}

const LINKS = {
  'data-player-worker': 'https://shop.example/_astro/amazon-ivs-wasmworker.min.abc.js',
  'data-player-wasm': 'https://shop.example/_astro/amazon-ivs-wasmworker.min.def.wasm',
};

describe("the watch page head's early player worker", () => {
  it('starts the worker from the preload links, hook first, and posts it the message create() posts', () => {
    const { page, blobs, marks } = runHeadScript(LINKS);
    expect(FakeWorker.started).toHaveLength(1);
    const worker = FakeWorker.started[0]!;
    const source = blobs.get(worker.url) ?? '';
    expect(source.startsWith(SIGNED_HLS_WORKER_HOOK)).toBe(true);
    expect(source.endsWith(`importScripts(${JSON.stringify(LINKS['data-player-worker'])});`)).toBe(true);
    expect(worker.sent).toEqual([{ wasmBinaryUrl: LINKS['data-player-wasm'], showWorkerLogs: false }]);
    expect(page[EARLY_WORKER_GLOBAL]).toEqual({ worker, wasmBinaryUrl: LINKS['data-player-wasm'], failed: false });
    expect(marks).toEqual([EARLY_WORKER_MARK]);
    // A worker whose script fails to load says so with an error event: it is marked, and not handed over.
    worker.dispatchEvent(new Event('error'));
    expect((page[EARLY_WORKER_GLOBAL] as { failed: boolean }).failed).toBe(true);
    expect(takeEarlyWorker(LINKS['data-player-wasm'], page)).toBeNull();
    expect(worker.terminated).toBe(true);
  });

  it('is plain text inside the HTML script element', () => {
    expect(EARLY_WORKER_SCRIPT).not.toMatch(/<\/script|<!--/i);
  });

  it('does nothing without the links, without WebAssembly, or when the worker cannot start', () => {
    expect(runHeadScript({ 'data-player-wasm': LINKS['data-player-wasm'] }).page[EARLY_WORKER_GLOBAL]).toBeUndefined();
    expect(runHeadScript(LINKS, { WebAssembly: undefined }).page[EARLY_WORKER_GLOBAL]).toBeUndefined();
    const failing = runHeadScript(LINKS, {
      Worker: class {
        constructor() {
          throw new Error('blocked by CSP');
        }
      },
    });
    expect(failing.page[EARLY_WORKER_GLOBAL]).toBeUndefined();
  });

  it('is handed over once, and only for the WASM it was told to load', () => {
    const w = new FakeWorker('blob:a');
    const scope: Record<string, unknown> = {
      [EARLY_WORKER_GLOBAL]: { worker: w, wasmBinaryUrl: 'https://x/a.wasm', failed: false },
    };
    expect(takeEarlyWorker('https://x/a.wasm', scope)).toBe(w);
    expect(takeEarlyWorker('https://x/a.wasm', scope)).toBeNull();
    expect(w.terminated).toBe(false);
    const other = new FakeWorker('blob:b');
    scope[EARLY_WORKER_GLOBAL] = { worker: other, wasmBinaryUrl: 'https://x/old.wasm', failed: false };
    expect(takeEarlyWorker('https://x/a.wasm', scope)).toBeNull();
    expect(other.terminated).toBe(true);
  });

  it("becomes the player's worker: create()'s new Worker returns it and its repeat of the first message is not sent", () => {
    const early = new FakeWorker('blob:early');
    early.sent.push({ wasmBinaryUrl: 'https://x/a.wasm', showWorkerLogs: false });
    const scope = { Worker: FakeWorker as unknown as typeof Worker };
    const player = {} as MediaPlayer;
    let got: unknown;
    // As amazon-ivs-player 1.56's create(): a Worker, its first message, then player calls.
    const create = (config: PlayerConfig) => {
      const w = new scope.Worker(config.wasmWorker);
      w.postMessage({ wasmBinaryUrl: config.wasmBinary, showWorkerLogs: false });
      w.postMessage({ id: 1, funcName: 'create', args: [] });
      got = w;
      return player;
    };
    const p = createWithEarlyWorker(
      create,
      { wasmWorker: 'https://x/w.js', wasmBinary: 'https://x/a.wasm' },
      early as unknown as Worker,
      scope,
    );
    expect(p).toBe(player);
    expect(got).toBe(early);
    expect(early.sent).toEqual([
      { wasmBinaryUrl: 'https://x/a.wasm', showWorkerLogs: false },
      { id: 1, funcName: 'create', args: [] },
    ]);
    // Worker is itself again: a second player gets a worker of its own.
    expect(scope.Worker).toBe(FakeWorker);
    expect(early.terminated).toBe(false);
  });

  it('is terminated when create() starts no worker, and Worker is put back when create() throws', () => {
    const scope = { Worker: FakeWorker as unknown as typeof Worker };
    const unused = new FakeWorker('blob:unused');
    createWithEarlyWorker(() => ({}) as MediaPlayer, { wasmWorker: 'w', wasmBinary: 'b' }, unused as never, scope);
    expect(unused.terminated).toBe(true);
    expect(() =>
      createWithEarlyWorker(
        () => {
          throw new Error('no WebAssembly');
        },
        { wasmWorker: 'w', wasmBinary: 'b' },
        new FakeWorker('blob:x') as never,
        scope,
      ),
    ).toThrow('no WebAssembly');
    expect(scope.Worker).toBe(FakeWorker);
  });
});
