// ad hoc: RSS of N idle native ingest threads (each connecting to a closed port)
import { NativeIngest } from './src/media/native/ingest.ts';
const rss = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const base = rss();
const out: Record<string, number> = { base };
const all: NativeIngest[] = [];
for (const n of [1, 8]) {
  while (all.length < n) {
    const i = new NativeIngest({ cameraId: `m${all.length}`, url: 'rtsp://127.0.0.1:1/x', recordingsDir: '/tmp/nm', segmentSeconds: 10, timeoutMs: 1000, stallMs: 5000, logLevel: 'silent' });
    i.on('close', () => {});
    i.connect();
    all.push(i);
  }
  await sleep(4000);
  out[`threads_${n}`] = rss();
}
console.log(JSON.stringify({ ...out, per_thread_mb: +((out.threads_8! - out.threads_1!) / 7).toFixed(1) }));
await Promise.all(all.map((i) => i.terminate()));
