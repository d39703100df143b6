import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { descendantPids } from './proc-cpu.ts';
import { memoryOf, pssByMapping } from './proc-mem.ts';

describe('process memory from /proc', () => {
  it('reads RSS and PSS of live processes and skips ended ones', () => {
    const m = memoryOf([process.pid, 2 ** 22 + 1]);
    expect(m.processes).toHaveLength(1);
    const [self] = m.processes;
    expect(self!.name).toBe('node');
    expect(self!.rss_mb).toBeGreaterThan(10);
    expect(self!.pss_mb).toBeGreaterThan(0);
    expect(self!.pss_mb).toBeLessThanOrEqual(self!.rss_mb);
    expect(m.rss_mb_total).toBe(Math.round(self!.rss_mb));
  });

  it('splits PSS by mapping: anonymous memory and the node binary', () => {
    const byMapping = pssByMapping(process.pid, 20);
    expect(byMapping.anonymous).toBeGreaterThan(0);
    expect(Object.keys(byMapping)).toContain('node');
    const values = Object.values(byMapping);
    expect(values).toEqual([...values].sort((a, b) => b - a));
  });

  it('finds a child and its child as descendants', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    let found: number[] = [];
    try {
      for (let i = 0; i < 50 && found.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        found = descendantPids(process.pid).filter((p) => p === child.pid || descendantPids(child.pid!).includes(p));
      }
      expect(found).toContain(child.pid);
      expect(found.length).toBe(2);
    } finally {
      for (const pid of [...found].reverse()) process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
    }
  });
});
