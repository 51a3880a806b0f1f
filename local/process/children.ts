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

/** How a child process ended, in words: `exited with code 1`, `was killed by SIGKILL`. */
export function endedHow(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** Processes now in process group `group`, with their command lines (`ps`, on Linux and macOS alike). */
function groupMembers(group: number): { pid: number; args: string }[] {
  const ps = spawnSync('ps', ['-A', '-ww', '-o', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  if (ps.status !== 0) return [];
  return ps.stdout.split('\n').flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    // A zombie has ended; it only waits for a parent (in containers, a pid 1 that may never reap it).
    return m && Number(m[2]) === group && !m[3]?.startsWith('Z') ? [{ pid: Number(m[1]), args: m[4] as string }] : [];
  });
}

/**
 * Stops what the pid files in directory `path` (or the one file `path`) still name and removes the
 * files. A pid file names a guard's process group and its command: the group is stopped only if a
 * member is that guard (its command line names the pid file) or that command, so a group id the
 * system has since given to someone else's processes is left alone. Answers the groups stopped.
 */
export async function clearStaleChildren(path: string): Promise<number[]> {
  const files = !existsSync(path)
    ? []
    : path.endsWith('.pid')
      ? [path]
      : readdirSync(path)
          .filter((f) => f.endsWith('.pid'))
          .map((f) => join(path, f));
  const stopped: number[] = [];
  for (const file of files) {
    let record: { group?: unknown; command?: unknown } = {};
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as typeof record;
    } catch {
      // Unreadable or half-written: nothing to match it against.
    }
    const group =
      typeof record.group === 'number' && Number.isInteger(record.group) && record.group > 1 ? record.group : undefined;
    const command = Array.isArray(record.command) ? record.command.join(' ') : undefined;
    const ours =
      group !== undefined &&
      groupMembers(group).some((m) => (m.args.includes(GUARD) && m.args.includes(file)) || m.args === command);
    if (group !== undefined && ours) {
      try {
        process.kill(-group, 'SIGKILL');
        stopped.push(group);
      } catch {
        // Gone between the check and the kill.
      }
    }
    rmSync(file, { force: true });
  }
  const deadline = Date.now() + 3000;
  while (stopped.some((g) => groupMembers(g).length > 0) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  return stopped;
}
