import { describe, expect, it } from 'vitest';
import { localIvsCpuSeconds, type ProcessInfo } from '../../bench/processes';

const argv = (...a: string[]) => `${a.join('\0')}\0`;

describe('localIvsCpuSeconds', () => {
  it('counts the local IVS ffmpeg under the child guard (a grandchild), not the publisher or strangers', () => {
    const table = new Map<number, ProcessInfo>([
      [100, { ppid: 1, cmd: argv('node', 'bench'), ticks: 5000 }],
      [200, { ppid: 100, cmd: argv('node', 'local/process/guard.mjs', '--', 'ffmpeg', '-copyts'), ticks: 30 }],
      [201, { ppid: 200, cmd: argv('ffmpeg', '-hide_banner', '-copyts', '-i', 'rtmp://x'), ticks: 250 }],
      [300, { ppid: 100, cmd: argv('ffmpeg', '-re', '-f', 'lavfi', '-i', 'testsrc2'), ticks: 900 }],
      [400, { ppid: 1, cmd: argv('/usr/bin/ffmpeg', '-copyts', '-i', 'other'), ticks: 700 }],
    ]);
    expect(localIvsCpuSeconds(table, 100)).toBeCloseTo(2.5);
  });

  it('finds ffmpeg started by path, at any depth', () => {
    const table = new Map<number, ProcessInfo>([
      [2, { ppid: 1, cmd: argv('sh'), ticks: 0 }],
      [3, { ppid: 2, cmd: argv('node'), ticks: 0 }],
      [4, { ppid: 3, cmd: argv('/usr/bin/ffmpeg', '-copyts'), ticks: 120 }],
    ]);
    expect(localIvsCpuSeconds(table, 1)).toBeCloseTo(1.2);
  });
});
