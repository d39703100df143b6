import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TOPICS, type FrameMessage } from '../core/types.ts';
import { frameCodec, jsonCodec } from './codec.ts';
import { openBus } from './open.ts';
import { codecFor, topicSettings } from './topics.ts';

const DAY_MS = 86_400_000;

describe('topic settings', () => {
  it('gives the architecture topics their partitions and retention', () => {
    expect(topicSettings(TOPICS.streamsRaw)).toMatchObject({ partitions: 8, retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete' });
    expect(topicSettings(TOPICS.aiDetections)).toMatchObject({ partitions: 16, retentionMs: 30 * DAY_MS });
    expect(topicSettings(TOPICS.alertsCritical)).toMatchObject({ partitions: 4, retentionMs: 90 * DAY_MS });
    expect(topicSettings(TOPICS.notificationsEmail)).toMatchObject({ partitions: 1, retentionMs: undefined });
  });

  it('keeps dead letters 30 days, in their source topic\'s codec', () => {
    expect(topicSettings(TOPICS.streamsRawDlq)).toMatchObject({ partitions: 1, retentionMs: 30 * DAY_MS });
    expect(codecFor(TOPICS.streamsRawDlq)).toBe(frameCodec);
    expect(codecFor(TOPICS.notificationsDlq)).toBe(jsonCodec);
    expect(codecFor('anything.else')).toBe(jsonCodec);
  });
});

describe('frame codec', () => {
  const frame: FrameMessage = { camera_id: 'cam_1', timestamp: '2026-12-08T00:00:00.000Z', seq: 3, width: 960, height: 1080, jpeg: randomBytes(100_000) };

  it('round-trips the fields and the JPEG bytes exactly, into a buffer of its own', () => {
    const bytes = frameCodec.encode(frame);
    expect(bytes.length).toBeLessThan(frame.jpeg.length + 200);
    const { jpeg, ...fields } = frameCodec.decode(bytes);
    expect(fields).toEqual({ camera_id: 'cam_1', timestamp: frame.timestamp, seq: 3, width: 960, height: 1080 });
    expect(jpeg.equals(frame.jpeg)).toBe(true);
    expect(jpeg.buffer).not.toBe(bytes.buffer);
  });

  it('refuses a value without JPEG bytes and a truncated message', () => {
    expect(() => frameCodec.encode({ ...frame, jpeg: undefined } as unknown as FrameMessage)).toThrow(/jpeg/);
    expect(() => frameCodec.decode(frameCodec.encode(frame).subarray(0, 10))).toThrow(RangeError);
  });
});

describe('openBus', () => {
  it('opens the memory bus without loading the Kafka client', async () => {
    const bus = await openBus({ kind: 'memory', brokers: ['127.0.0.1:9092'], client_id: 'vigil' }, {});
    expect((await bus.publish('t', 'k', { a: 1 })).offset).toBe(0);
    await bus.close();
  });
});
