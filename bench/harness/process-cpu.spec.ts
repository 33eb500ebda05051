import { spawn } from 'node:child_process';
import { measureCpu, totalCpu } from './process-cpu';

function burn(ms: number): void {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
}

describe('CPU by group of processes', () => {
  it('counts this process as the bench, and a process that starts and works in between', async () => {
    const cpu = measureCpu();
    burn(300);
    // A child that busy-loops for 300 ms, started after the first reading and still alive at the second.
    const child = spawn(process.execPath, ['-e', 'const u = Date.now() + 300; while (Date.now() < u); setTimeout(() => {}, 5000);']);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const groups = cpu.stop();
    child.kill();
    expect(groups).not.toBeNull();
    expect(groups!.get('bench')!).toBeGreaterThan(0.2);
    expect(groups!.get('other') ?? 0).toBeGreaterThan(0.2);
    expect(totalCpu(groups!)).toBeGreaterThanOrEqual(groups!.get('bench')! + (groups!.get('other') ?? 0));
  });
});
