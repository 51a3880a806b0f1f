/**
 * Child guard: `node guard.mjs [--pidfile <path>] -- <command> [args...]`.
 *
 * Runs one command for the local mode and makes sure it ends with the process that started the
 * guard, however that process ends. A SIGKILLed or crashed Node parent runs no exit handler, and
 * DynamoDB Local (java), cognito-local and ffmpeg have no parent-death watch of their own, so
 * before this guard they kept running and held their ports. The guard's stdin is a pipe from the
 * parent: the kernel closes it when the parent dies, whatever the cause, and the guard then stops
 * its process group (itself and the command). Its parent id changing is watched too, for a parent
 * that exits while something else still holds the pipe.
 *
 * Started detached by local/process/children.ts, the guard leads its own process group: Ctrl-C in
 * the terminal reaches only `npm start`, which stops each part in order. Signals sent to the guard
 * are passed on to the command, and the guard exits as the command did. The pid file names the
 * guard while it runs, so the next start can clear a guard that was itself SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { fstatSync, rmSync, writeFileSync } from 'node:fs';

const argv = process.argv.slice(2);
let pidFile;
if (argv[0] === '--pidfile') {
  pidFile = argv[1];
  argv.splice(0, 2);
}
if (argv[0] === '--') argv.shift();
const [command, ...args] = argv;
if (!command) {
  process.stderr.write('guard: no command given\n');
  process.exit(2);
}

/** A fourth descriptor from the parent (a side channel such as cognito-local's code deliveries) is passed on as is. */
const hasFd3 = (() => {
  try {
    fstatSync(3);
    return true;
  } catch {
    return false;
  }
})();

const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', ...(hasFd3 ? [3] : [])] });
// The command is recorded too: if the guard itself is SIGKILLed, the command is what is left of its group.
if (pidFile) writeFileSync(pidFile, `${JSON.stringify({ group: process.pid, command: [command, ...args] })}\n`);
const removePidFile = () => {
  if (pidFile) rmSync(pidFile, { force: true });
};

let orphaned = false;
const parentGone = () => {
  if (orphaned) return;
  orphaned = true;
  removePidFile();
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  // Whatever is still running after the grace period (the command or anything it started) goes with the group.
  setTimeout(() => {
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      process.exit(1);
    }
  }, 2000).unref();
};
process.stdin.on('end', parentGone);
process.stdin.on('close', parentGone);
process.stdin.on('error', parentGone);
process.stdin.resume();
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) parentGone();
}, 500).unref();

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}

child.on('error', (error) => {
  removePidFile();
  process.stderr.write(`guard: cannot run ${command}: ${error.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  removePidFile();
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
});
