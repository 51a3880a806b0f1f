import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeChildEnd, startChild, type Child } from '../../bench/show-night/show';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'dying-platform.mjs');
let child: Child | undefined;
let dir: string | undefined;

async function dying(how: string): Promise<Child> {
  dir = mkdtempSync(join(tmpdir(), 'dying-'));
  process.env.DYING_HOW = how;
  child = await startChild(dir, FIXTURE);
  return child;
}

afterEach(async () => {
  await child?.stop();
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  delete process.env.DYING_HOW;
});

describe('show-night: a local mode that ends mid-run is reported, not waited on', () => {
  it('names the process, its exit code and the end of its stderr', async () => {
    const c = await dying('exit');
    const error = await c.failed.catch((e: Error) => e);
    expect(error.message).toMatch(/platform-child\.ts, pid \d+\) exited with code 3/);
    expect(error.message).toContain('FATAL: heap out of memory near the HLS packager');
    expect(error.message).toContain('GraphQL on http://127.0.0.1:1');
  });

  it('gives the fatal error it sent before ending', async () => {
    const c = await dying('throw');
    await expect(c.failed).rejects.toThrow(/Its fatal error: uncaught exception: Error: segment table corrupt/);
  });

  it('says a SIGKILL nobody sent is most likely the OOM killer', async () => {
    const c = await dying('sigkill');
    await expect(c.failed).rejects.toThrow(
      /was killed by SIGKILL \(the bench sends no SIGKILL mid-run; on Linux this is most often the OOM killer/,
    );
  });

  it('reports one of its own processes ending (DynamoDB Local) while it lives on', async () => {
    const c = await dying('dynamodb');
    await expect(c.failed).rejects.toThrow(
      /A process of the local mode ended mid-run: DynamoDB Local \(java under guard pid 42\) exited unexpectedly: it was killed by SIGKILL/,
    );
  });

  it('a stop the bench asked for is no failure', async () => {
    dir = mkdtempSync(join(tmpdir(), 'dying-'));
    process.env.DYING_HOW = 'none';
    const c = await startChild(dir, FIXTURE);
    let failed = false;
    c.failed.catch(() => {
      failed = true;
    });
    await c.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(failed).toBe(false);
  });

  it('describes an exit in one report', () => {
    const text = describeChildEnd({
      pid: 7,
      code: 1,
      signal: null,
      seconds: 12.34,
      stderr: 'a\nb\n',
      logs: ['one', 'two'],
    });
    expect(text).toBe(
      'The local mode (test/bench/show-night/platform-child.ts, pid 7) exited with code 1 12.3 s after it was ready.\n' +
        'It reported no fatal error over IPC.\nIts stderr, last lines:\na\nb\nIts last log lines:\none\ntwo',
    );
  });
});
