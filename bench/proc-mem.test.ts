import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendantPids } from './proc-cpu.ts';
import { latestThreadHeaps, memoryOf, pssByMapping } from './proc-mem.ts';

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

  it('reads the heap of every thread of a process preloaded with the probe, the newest line per thread', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'heap-probe-'));
    const file = path.join(dir, 'heaps.jsonl');
    try {
      // a worker started like a detector worker (its workerData names the model) lives past two probe intervals
      const script = "const { Worker } = require('node:worker_threads'); new Worker('setTimeout(() => {}, 4500)', { eval: true, workerData: { model: 'centernet-onnx', filter: {} } }); setTimeout(() => {}, 4500);";
      execFileSync(process.execPath, ['--require', path.join(import.meta.dirname, 'thread-heap-probe.cjs'), '-e', script], { env: { ...process.env, VIGIL_HEAP_PROBE_FILE: file } });
      const lines = readFileSync(file, 'utf8');
      const heaps = latestThreadHeaps(lines);
      expect(heaps.map((h) => h.thread)).toEqual(['main', 'detector (centernet-onnx)']);
      expect(lines.trim().split('\n').length).toBeGreaterThan(heaps.length);
      for (const h of heaps) {
        expect(h.heap_total_mb).toBeGreaterThan(0);
        expect(h.heap_used_mb).toBeLessThanOrEqual(h.heap_total_mb);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
