/**
 * CPU and memory of a process tree, sampled from /proc (Linux): every interval, each live process's
 * CPU time since the previous sample (utime + stime) and its resident set, summed over the tree and
 * per kind of process. CPU is in cores (1.0 = one core busy for the whole interval).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
  rssBytes: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself hold spaces or parentheses.
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(rest[1]),
      ticks: Number(rest[11]) + Number(rest[12]),
      rssBytes: Number(rest[21]) * PAGE_BYTES,
    };
  } catch {
    return undefined;
  }
}

/** The root and every descendant alive now. */
export function processTree(root: number): ProcStat[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readStat(Number(d)))
    .filter((s): s is ProcStat => !!s);
  const children = new Map<number, ProcStat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const out: ProcStat[] = [];
  const queue = all.filter((s) => s.pid === root);
  while (queue.length) {
    const s = queue.shift()!;
    out.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

/** What kind of process a pid is, from its command line (for the per-kind peaks). */
export function kindOf(pid: number, root: number): string {
  if (pid === root) return 'node (GraphQL, IVS, IVS Chat, Lambdas)';
  let cmd = '';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return 'other';
  }
  if (cmd.includes('DynamoDBLocal')) return 'java (DynamoDB Local)';
  if (cmd.includes('cognito-local')) return 'cognito-local';
  if (/(^|\/)ffmpeg /.test(cmd)) return 'ffmpeg (HLS packager)';
  return cmd.split(' ')[0]?.split('/').pop() ?? 'other';
}

export interface ResourcePeaks {
  /** Highest CPU of the whole tree in one interval, in cores. */
  peakCpu: number;
  /** Mean CPU of the whole tree over the sampled time, in cores. */
  meanCpu: number;
  /** Highest summed resident set, in bytes. */
  peakRss: number;
  /** Per kind: highest CPU (cores) and highest RSS (bytes) seen in one interval. */
  byKind: Record<string, { peakCpu: number; peakRss: number }>;
  samples: number;
}

/**
 * Samples the tree under `root` every `intervalMs` until stop() is called. `extra` pids (outside
 * the tree) are sampled on their own and reported under `others` by the name given.
 */
export function sampleResources(
  root: number,
  intervalMs = 500,
  extra: Record<string, () => number | undefined> = {},
): {
  stop(): { tree: ResourcePeaks; others: Record<string, { peakCpu: number; peakRss: number }> };
} {
  const last = new Map<number, { ticks: number; at: number }>();
  const kinds = new Map<number, string>();
  const byKind: ResourcePeaks['byKind'] = {};
  const others: Record<string, { peakCpu: number; peakRss: number }> = {};
  let peakCpu = 0;
  let peakRss = 0;
  let cpuSum = 0;
  let samples = 0;
  const cpuOf = (s: ProcStat, now: number): number | undefined => {
    const prev = last.get(s.pid);
    last.set(s.pid, { ticks: s.ticks, at: now });
    return prev ? (s.ticks - prev.ticks) / TICKS_PER_SECOND / ((now - prev.at) / 1000) : undefined;
  };
  const tick = () => {
    const now = performance.now();
    const tree = processTree(root);
    let cpu = 0;
    let rss = 0;
    let complete = tree.length > 0;
    const perKind: Record<string, { cpu: number; rss: number }> = {};
    for (const s of tree) {
      const kind = kinds.get(s.pid) ?? kinds.set(s.pid, kindOf(s.pid, root)).get(s.pid)!;
      const c = cpuOf(s, now);
      if (c === undefined) complete = false;
      const k = (perKind[kind] ??= { cpu: 0, rss: 0 });
      k.cpu += c ?? 0;
      k.rss += s.rssBytes;
      cpu += c ?? 0;
      rss += s.rssBytes;
    }
    peakRss = Math.max(peakRss, rss);
    for (const [kind, v] of Object.entries(perKind)) {
      const k = (byKind[kind] ??= { peakCpu: 0, peakRss: 0 });
      k.peakCpu = Math.max(k.peakCpu, v.cpu);
      k.peakRss = Math.max(k.peakRss, v.rss);
    }
    // An interval where a process was new has no CPU figure for it: not counted towards the peak or mean.
    if (complete) {
      peakCpu = Math.max(peakCpu, cpu);
      cpuSum += cpu;
      samples++;
    }
    for (const [name, pidOf] of Object.entries(extra)) {
      const pid = pidOf();
      const s = pid === undefined ? undefined : readStat(pid);
      if (!s) continue;
      const c = cpuOf(s, now);
      const o = (others[name] ??= { peakCpu: 0, peakRss: 0 });
      o.peakCpu = Math.max(o.peakCpu, c ?? 0);
      o.peakRss = Math.max(o.peakRss, s.rssBytes);
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { tree: { peakCpu, meanCpu: samples ? cpuSum / samples : 0, peakRss, byKind, samples }, others };
    },
  };
}
