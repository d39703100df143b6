import { readFileSync } from 'node:fs';
import { processName } from './proc-cpu.ts';

/**
 * Memory of live processes from /proc. RSS counts every resident page a process maps, shared or
 * not, so the RSS of several processes overstates what they take together (ffmpeg's libraries are
 * mapped by every ffmpeg); PSS divides each shared page among the processes that map it, so PSS
 * adds up to the memory the processes really take.
 */
export interface ProcessMemory {
  pid: number;
  name: string;
  rss_mb: number;
  pss_mb: number;
}

const mb = (kb: number): number => Math.round(kb / 1024 * 10) / 10;

/** RSS and PSS of a live process (/proc/<pid>/smaps_rollup, kB). */
export function processMemory(pid: number): ProcessMemory {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
  return { pid, name: processName(pid), rss_mb: mb(kb('Rss')), pss_mb: mb(kb('Pss')) };
}

/** Per process and the totals, of those processes still alive. */
export function memoryOf(pids: number[]): { processes: ProcessMemory[]; rss_mb_total: number; pss_mb_total: number } {
  const processes = pids.flatMap((pid) => {
    try {
      return [processMemory(pid)];
    } catch {
      return []; // ended while we looked
    }
  });
  const total = (k: 'rss_mb' | 'pss_mb'): number => Math.round(processes.reduce((s, p) => s + p[k], 0));
  return { processes, rss_mb_total: total('rss_mb'), pss_mb_total: total('pss_mb') };
}

/**
 * Where one process's PSS lies, by mapping: anonymous memory (JS heaps of the main thread and of
 * every worker thread, native buffers; /proc cannot split threads apart) and the largest files
 * mapped (node itself, onnxruntime, sharp's libvips, ...). In MB, largest first.
 */
export function pssByMapping(pid: number, top = 8): Record<string, number> {
  const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const kbBy = new Map<string, number>();
  let current = '';
  for (const line of smaps.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      current = !name || name.startsWith('[anon') ? 'anonymous' : name.startsWith('[') ? name : name.split('/').pop()!;
      continue;
    }
    const pss = /^Pss:\s+(\d+) kB/.exec(line);
    if (pss) kbBy.set(current, (kbBy.get(current) ?? 0) + Number(pss[1]));
  }
  return Object.fromEntries([...kbBy].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, mb(v)]));
}

/** V8 heap of one thread of `vigil run`, read inside the thread by bench/thread-heap-probe.cjs: /proc cannot split a process's threads. */
export interface ThreadHeap {
  thread_id: number;
  thread: string;
  heap_total_mb: number;
  heap_used_mb: number;
  external_mb: number;
}

/** The newest figures of each thread in the probe's file (one JSON line per thread every 2 s). */
export function latestThreadHeaps(lines: string): ThreadHeap[] {
  const byThread = new Map<number, ThreadHeap>();
  for (const line of lines.split('\n')) {
    if (!line.trim()) continue;
    const heap = JSON.parse(line) as ThreadHeap;
    byThread.set(heap.thread_id, heap);
  }
  return [...byThread.values()].sort((a, b) => a.thread_id - b.thread_id);
}
