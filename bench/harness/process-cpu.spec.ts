import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { measureCpu, totalCpu } from './process-cpu';

// Busy-loops until this process has used `ms` of CPU. On a busy machine (other Jest workers on the
// same cores) that takes longer than `ms` of wall time; what the test checks is CPU, not time.
const BURN = 'const start = process.cpuUsage(); const used = () => { const u = process.cpuUsage(start); return (u.user + u.system) / 1000; };';

function burn(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
    for (let i = 0; i < 10_000; i += 1) x += Math.sqrt(x + 1);
  }
}

describe('CPU by group of processes', () => {
  it('counts this process as the bench, and a process that starts and works in between', async () => {
    const cpu = measureCpu();
    burn(300);
    // A child started after the first reading that uses 300 ms of CPU, says so, and is still alive at the second reading.
    const child = spawn(process.execPath, ['-e', `${BURN} while (used() < 300); console.log('burnt'); setTimeout(() => {}, 30000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(child.stdout!, 'data');
      const groups = cpu.stop();
      expect(groups).not.toBeNull();
      expect(groups!.get('bench')!).toBeGreaterThan(0.2);
      expect(groups!.get('other') ?? 0).toBeGreaterThan(0.2);
      expect(totalCpu(groups!)).toBeGreaterThanOrEqual(groups!.get('bench')! + (groups!.get('other') ?? 0));
    } finally {
      child.kill();
    }
  });
});
