// Preloaded (node --require) into `vigil run` by the video bench's footprint part. Node runs a
// --require module in the main thread and in every worker thread, so each thread appends its own
// V8 heap figures to VIGIL_HEAP_PROBE_FILE: /proc sees one process and cannot split its threads.
// CommonJS because Node 20 runs --require modules in worker threads but --import ones only in the main thread
/* eslint-disable @typescript-eslint/no-require-imports, no-undef */
const { appendFileSync } = require('node:fs');
const v8 = require('node:v8');
const { isMainThread, threadId, workerData } = require('node:worker_threads');

const file = process.env.VIGIL_HEAP_PROBE_FILE;
const mb = (bytes) => Math.round(bytes / 1048576 * 10) / 10;

/** What a thread is, from what it was started with (src/vision/worker-protocol.ts, src/vision/faces). */
function role() {
  if (isMainThread) return 'main';
  if (workerData && typeof workerData === 'object' && 'model' in workerData && 'filter' in workerData) return `detector (${workerData.model})`;
  if (workerData && typeof workerData === 'object' && 'embedder' in workerData) return 'faces';
  return 'other';
}

if (file) {
  const thread = role();
  const timer = setInterval(() => {
    const h = v8.getHeapStatistics();
    appendFileSync(file, `${JSON.stringify({ thread_id: threadId, thread, heap_total_mb: mb(h.total_heap_size), heap_used_mb: mb(h.used_heap_size), external_mb: mb(h.external_memory) })}\n`);
  }, 2000);
  timer.unref();
}
