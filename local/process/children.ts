/**
 * Child processes of the local mode (DynamoDB Local, cognito-local, ffmpeg) that end with it.
 *
 * Each command runs under local/process/guard.mjs, which watches a pipe from this process and stops
 * the command when the pipe closes: a crash, an uncaught error or a SIGKILL of `npm start` leaves
 * nothing running or listening. The guard leads its own process group, so a SIGKILL sent through
 * the returned handle takes the command with it. A pid file, when given, names the guard while it
 * runs; `clearStaleChildren` stops the guard a pid file still names (one that was itself SIGKILLed)
 * before the next start needs the port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const GUARD = join(import.meta.dirname, 'guard.mjs');

export interface GuardedSpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the command's stdout goes. @default 'pipe' */
  readonly stdout?: 'pipe' | 'ignore';
  /** Where the command's stderr goes. @default 'pipe' */
  readonly stderr?: 'pipe' | 'ignore';
  /** A fourth descriptor piped to this process (`child.stdio[3]`), for a side channel. @default false */
  readonly sideChannel?: boolean;
  /** File naming the guard while it runs (checked by `clearStaleChildren`). @default none */
  readonly pidFile?: string;
}

/**
 * Spawns `command` under the guard. The handle is the guard's: its stdout/stderr are the command's,
 * `kill(signal)` reaches the command (SIGKILL reaches the whole group at once), and it exits when and
 * as the command exits.
 */
export function spawnGuarded(command: string, args: readonly string[], opts: GuardedSpawnOptions = {}): ChildProcess {
  const guardArgs = [GUARD, ...(opts.pidFile ? ['--pidfile', opts.pidFile] : []), '--', command, ...args];
  const child = spawn(process.execPath, guardArgs, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: ['pipe', opts.stdout ?? 'pipe', opts.stderr ?? 'pipe', ...(opts.sideChannel ? ['pipe' as const] : [])],
  });
  // A SIGKILL cannot be passed on by the guard it kills: send it to the group, command included.
  const killGuard = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    if ((signal === 'SIGKILL' || signal === 9) && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
        return true;
      } catch {
        return false;
      }
    }
    return killGuard(signal);
  };
  return child;
}

function commandLine(pid: number): string | undefined {
  const proc = `/proc/${pid}/cmdline`;
  if (existsSync('/proc/self')) {
    try {
      return readFileSync(proc, 'utf8').split('\0').join(' ');
    } catch {
      return undefined;
    }
  }
  const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  return ps.status === 0 ? ps.stdout.trim() : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops what the pid files in `dir` (or the one file `path`) still name, if it is a guard started
 * with that very pid file (a reused pid names someone else's process and is left alone), and
 * removes the files. Answers the pids stopped.
 */
export async function clearStaleChildren(path: string): Promise<number[]> {
  const files = !existsSync(path) ? [] : path.endsWith('.pid') ? [path] : readdirSync(path).filter((f) => f.endsWith('.pid')).map((f) => join(path, f));
  const stopped: number[] = [];
  for (const file of files) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    const cmd = Number.isInteger(pid) && pid > 1 ? commandLine(pid) : undefined;
    if (pid && cmd?.includes(GUARD) && cmd.includes(file)) {
      try {
        process.kill(-pid, 'SIGKILL');
        stopped.push(pid);
      } catch {
        // Gone between the check and the kill.
      }
    }
    rmSync(file, { force: true });
  }
  const deadline = Date.now() + 3000;
  while (stopped.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return stopped;
}
