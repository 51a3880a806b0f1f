import { afterEach, describe, expect, it, vi } from 'vitest';
import { EARLY_WORKER_GLOBAL } from '../../../frontend/src/features/watch/early-worker';

/** What the player module's import does on each try: fail (a dropped connection) or load. */
const tries = vi.hoisted(() => ({ planned: [] as ('fail' | 'load')[], made: 0 }));

vi.mock('amazon-ivs-player', () => {
  tries.made += 1;
  if (tries.planned.shift() === 'fail') throw new Error('Failed to fetch dynamically imported module');
  // A browser without WebAssembly: the player says so and creates nothing.
  return { isPlayerSupported: false, create: () => ({}) };
});

function earlyWorker() {
  const worker = { terminated: false, terminate: () => (worker.terminated = true) };
  (globalThis as Record<string, unknown>)[EARLY_WORKER_GLOBAL] = {
    worker,
    wasmBinaryUrl: 'http://x/a.wasm',
    failed: false,
  };
  return worker;
}

afterEach(() => {
  delete (globalThis as Record<string, unknown>)[EARLY_WORKER_GLOBAL];
});

describe('the player loader when the player cannot start', () => {
  it("asks for the player's module again after a failed import, and ends the head's worker that nothing will take", async () => {
    const { takePlayer } = await import('../../../frontend/src/features/watch/player-loader');
    tries.planned.push('fail', 'load');
    const worker = earlyWorker();
    await expect(takePlayer()).rejects.toThrow();
    expect(worker.terminated).toBe(true);
    expect((globalThis as Record<string, unknown>)[EARLY_WORKER_GLOBAL]).toBeUndefined();

    const second = earlyWorker();
    await expect(takePlayer()).resolves.toMatchObject({ player: null });
    expect(tries.made).toBe(2);
    // A browser that cannot play ends it too.
    expect(second.terminated).toBe(true);
  });
});
