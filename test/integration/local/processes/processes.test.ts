/**
 * Child processes end with the local mode however it ends (local/process/children.ts, guard.mjs):
 * the platform with the demo stream live is SIGKILLed and, within 5 s, none of its processes
 * (DynamoDB Local, cognito-local, both ffmpegs, their guards) is left running and DynamoDB Local's
 * port is free. A guard that was itself SIGKILLed is cleared by the next start through its pid file,
 * and a pid file naming someone else's process leaves that process alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clearStaleChildren, spawnGuarded } from '../../../../local/process/children';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const dirs: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

/** Every process below `root` now, with its command line (from /proc). */
function descendants(root: number): Map<number, string> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of stat is the parent pid; the command name (field 2) may hold spaces, so split after its ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Exited while listing.
    }
  }
  const found = new Map<number, string>();
  let frontier = [root];
  while (frontier.length) {
    const next: number[] = [];
    for (const [pid, ppid] of parents) {
      if (frontier.includes(ppid) && !found.has(pid)) {
        found.set(
          pid,
          (() => {
            try {
              return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
            } catch {
              return '';
            }
          })(),
        );
        next.push(pid);
      }
    }
    frontier = next;
  }
  return found;
}

/** Alive and not a zombie waiting for init to reap it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

function waitForReady(child: ChildProcess): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = /^READY (.+)$/m.exec(out)?.[1];
      if (line) resolve(JSON.parse(line) as Record<string, string>);
    });
    child.stderr?.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-4000);
    });
    child.once('exit', (code) => reject(new Error(`platform exited ${code} before it was ready: ${err}`)));
  });
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('a SIGKILLed local mode', () => {
  it('leaves nothing of it running or listening within 5 s', async () => {
    const dataDir = tmp('orphans-');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'platform-child.ts'), dataDir],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let endpoints: Record<string, string>;
    try {
      endpoints = await waitForReady(child);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    const processes = descendants(child.pid as number);
    const commands = [...processes.values()];
    expect(commands.filter((c) => c.includes('DynamoDBLocal.jar') && !c.includes('guard.mjs'))).toHaveLength(1);
    expect(commands.filter((c) => c.includes('cognito-local') && !c.includes('guard.mjs'))).toHaveLength(1);
    expect(commands.filter((c) => /^\S*ffmpeg /.test(c)).length).toBeGreaterThanOrEqual(2);
    const dynamoPort = Number(new URL(endpoints.dynamodbUrl as string).port);
    expect(await accepts(dynamoPort)).toBe(true);

    const killedAt = Date.now();
    process.kill(child.pid as number, 'SIGKILL');
    let left = [...processes.keys()].filter(running);
    while (left.length && Date.now() - killedAt < 5000) {
      await new Promise((r) => setTimeout(r, 100));
      left = left.filter(running);
    }
    const gone = Date.now() - killedAt;
    console.log(`all ${processes.size} child processes gone ${gone} ms after SIGKILL of the parent`);
    expect(left.map((pid) => processes.get(pid))).toEqual([]);
    expect(await accepts(dynamoPort)).toBe(false);
    // The guards removed their pid files on the way out.
    expect(existsSync(join(dataDir, 'dynamodb', 'dynamodb-local.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'cognito', 'cognito-local.pid'))).toBe(false);
  });
});

describe('pid files', () => {
  it('let the next start stop a command whose guard was itself SIGKILLed', async () => {
    const pidFile = join(tmp('stale-'), 'sleeper.pid');
    const guard = spawnGuarded('sleep', ['60'], { pidFile, stdout: 'ignore', stderr: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    const sleeper = [...descendants(guard.pid as number).keys()][0] as number;
    expect(running(sleeper)).toBe(true);
    // SIGKILL of the guard alone (not its group), as an out-of-memory kill would do it.
    process.kill(guard.pid as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect(running(sleeper)).toBe(true);
    // The pid file survived: the guard had no chance to remove it.
    expect(existsSync(pidFile)).toBe(true);
    expect(await clearStaleChildren(pidFile)).toEqual([guard.pid]);
    expect(running(sleeper)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('leave a process that is not the guard they were written by alone', async () => {
    const dir = tmp('foreign-');
    // A group id reused by an unrelated program: it leads its own group, running another command than the one recorded.
    const other = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
    writeFileSync(
      join(dir, 'reused.pid'),
      `${JSON.stringify({ group: other.pid, command: ['java', '-jar', 'DynamoDBLocal.jar'] })}\n`,
    );
    expect(await clearStaleChildren(dir)).toEqual([]);
    expect(running(other.pid as number)).toBe(true);
    expect(existsSync(join(dir, 'reused.pid'))).toBe(false);
    other.kill('SIGKILL');
  });

  it('pass SIGTERM on to the command and exit as it did', async () => {
    const guard = spawnGuarded('sleep', ['60'], { stdout: 'ignore', stderr: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      guard.once('exit', (code, signal) => resolve([code, signal])),
    );
    guard.kill('SIGTERM');
    expect(await exited).toEqual([null, 'SIGTERM']);
  });
});
