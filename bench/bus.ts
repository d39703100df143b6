import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openKafkaBus } from '../src/bus/kafka.ts';
import { createMemoryBus } from '../src/bus/memory.ts';
import type { Bus } from '../src/bus/port.ts';
import { topicSettings } from '../src/bus/topics.ts';
import { createLogger } from '../src/core/log.ts';
import { TOPICS, type DetectionMessage, type FrameMessage } from '../src/core/types.ts';

/**
 * Bus throughput with realistic values: a detection message (8 boxes, ~1 kB of JSON) and a 100 kB
 * frame. Produce: `count` publishes at once (the producer batches them; acks=all, idempotent) and
 * one at a time (each waits for its acknowledgement). Consume: a new group reads them all from the
 * start, committing each after its (empty) handler. Kafka from .cache/fleet/kafka.env
 * (scripts/fleet/kafka.sh up), and the memory bus for comparison (it encodes and decodes too).
 *   npx tsx bench/bus.ts [detections] [frames]
 */
const detection = (i: number): DetectionMessage => ({
  camera_id: `cam_${String(i % 16).padStart(3, '0')}`,
  timestamp: new Date(1_796_688_000_000 + i * 1000).toISOString(),
  frame_seq: i,
  width: 960,
  height: 1080,
  model: 'centernet-onnx',
  detections: Array.from({ length: 8 }, (_, d) => ({ class: d % 2 ? 'car' : 'person', confidence: 0.8123, bbox: [100 + d, 200, 180 + d, 420] as [number, number, number, number], track_id: 1000 + d })),
  snapshot_tracks: [1000],
});
const jpeg = randomBytes(100_000);
const frame = (i: number): FrameMessage => ({ camera_id: `cam_${String(i % 16).padStart(3, '0')}`, timestamp: new Date(1_796_688_000_000 + i * 1000).toISOString(), seq: i, width: 960, height: 1080, jpeg });

const perSecond = (count: number, ms: number) => Math.round((count * 1000) / ms);

async function run<T>(bus: Bus, topic: string, count: number, make: (i: number) => T, key: (v: T) => string): Promise<Record<string, number>> {
  await bus.ensureTopic(topic);
  const values = Array.from({ length: count }, (_, i) => make(i));
  let t = performance.now();
  await Promise.all(values.map((v) => bus.publish(topic, key(v), v)));
  const concurrent = perSecond(count, performance.now() - t);
  const serialCount = Math.min(count, 1000);
  t = performance.now();
  for (const v of values.slice(0, serialCount)) await bus.publish(topic, key(v), v);
  const serial = perSecond(serialCount, performance.now() - t);
  const total = count + serialCount;
  let seen = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  t = performance.now();
  const sub = await bus.subscribe({ topic, group: `bench.${randomUUID().slice(0, 8)}`, handler: async () => void (++seen === total && done()) });
  await all;
  const consume = perSecond(total, performance.now() - t);
  await sub.stop();
  return { produce_concurrent_msgs_per_s: concurrent, produce_one_at_a_time_msgs_per_s: serial, consume_msgs_per_s: consume };
}

async function main(): Promise<void> {
  const [detections = 10_000, frames = 1000] = process.argv.slice(2).map(Number);
  const env = readFileSync(new URL('../.cache/fleet/kafka.env', import.meta.url), 'utf8');
  const brokers = /^KAFKA_BROKERS=(.+)$/m.exec(env)![1]!.split(',');
  const log = createLogger('silent');
  const detectionBytes = Buffer.byteLength(JSON.stringify(detection(0)));
  const results: Record<string, unknown> = { detection_bytes: detectionBytes, frame_bytes: jpeg.length, detections, frames };
  // detections on a topic of their own, sized like ai.detections (16 partitions, consumed concurrently)
  const detectionsTopic = `bench.detections.${randomUUID().slice(0, 8)}`;
  const kafka = await openKafkaBus({ brokers, clientId: 'vigil-bench', log });
  try {
    await kafka.ensureTopic(detectionsTopic, topicSettings(TOPICS.aiDetections).partitions);
    results.kafka_detections = await run(kafka, detectionsTopic, detections, detection, (v) => v.camera_id);
    // the frames topic itself (its binary codec and 8 partitions)
    results.kafka_frames = await run(kafka, TOPICS.streamsRaw, frames, frame, (v) => v.camera_id);
  } finally {
    await kafka.close();
  }
  const memory = createMemoryBus({ retention: { maxRecordsPerPartition: 200_000 } });
  await memory.ensureTopic(detectionsTopic, topicSettings(TOPICS.aiDetections).partitions);
  results.memory_detections = await run(memory, detectionsTopic, detections, detection, (v) => v.camera_id);
  results.memory_frames = await run(memory, TOPICS.streamsRaw, frames, frame, (v) => v.camera_id);
  await memory.close();
  console.log(JSON.stringify(results, null, 2));
}

await main();
