/**
 * Process accounting for the benches: CPU time of the local IVS's ffmpeg processes, read from /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** One process as /proc shows it. */
export interface ProcessInfo {
  ppid: number;
  cmd: string;
  ticks: number;
}

/** Parent pid, command line (NUL-separated) and CPU ticks (user + system, 1/100 s) of every process readable in /proc. */
export function processTable(): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(pid), { ppid: Number(fields[1]), cmd, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while being read
    }
  }
  return table;
}

/**
 * CPU seconds (user + system) the local IVS's ffmpeg processes have used: the ffmpeg processes
 * started with -copyts (the publisher is not) among this process's descendants. They are
 * grandchildren since ffmpeg runs under the child guard (local/process/guard.mjs); looking only at
 * direct children found none and reported 0 cores.
 */
export function localIvsCpuSeconds(table = processTable(), root = process.pid): number {
  const children = new Map<number, number[]>();
  for (const [pid, p] of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  let ticks = 0;
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const p = table.get(pid);
    if (p && /(^|\/)ffmpeg\0/.test(p.cmd.slice(0, p.cmd.indexOf('\0') + 1)) && p.cmd.includes('\0-copyts\0'))
      ticks += p.ticks;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks / 100;
}
