import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { triggerFrameKey, triggerFramePrefix } from '../analytics/track-events.ts';
import { createLogger } from '../core/log.ts';
import type { FrameMessage } from '../core/types.ts';
import { createDiskObjects } from '../objects/disk.ts';
import { TriggerFrames } from './trigger-frames.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-trigger-frames-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const frame = (seq: number): FrameMessage => ({
  camera_id: 'cam_a', timestamp: new Date(Date.UTC(2026, 0, 1, 10, 0, seq)).toISOString(), seq, width: 4, height: 4, jpeg: Buffer.from(`frame ${seq}`),
});

async function keys(objects: ReturnType<typeof createDiskObjects>): Promise<string[]> {
  const out: string[] = [];
  for await (const o of objects.list('snapshots', triggerFramePrefix('cam_a'))) out.push(o.key);
  return out.sort();
}

describe('TriggerFrames', () => {
  it('keeps each frame for keepMs, then deletes it; a restart adopts what the last run left', async () => {
    const objects = createDiskObjects(path.join(root, 'a'));
    let now = 1_000_000;
    const frames = new TriggerFrames(objects, 10_000, createLogger('silent'), () => now);
    await frames.keep(frame(1));
    now += 6_000;
    await frames.keep(frame(2));
    expect(await objects.get('snapshots', triggerFrameKey('cam_a', frame(1).timestamp, 1))).toEqual(Buffer.from('frame 1'));
    now += 5_000; // frame 1 is 11 s old, frame 2 5 s
    await frames.keep(frame(3));
    expect(await keys(objects)).toEqual([2, 3].map((s) => triggerFrameKey('cam_a', frame(s).timestamp, s)).sort());

    // the next run finds frames 2 and 3 on disk and deletes them once they are keepMs old (by file time)
    const next = new TriggerFrames(objects, 10_000, createLogger('silent'), () => Date.now() + 11_000);
    await next.adopt(['cam_a']);
    await next.keep(frame(4));
    expect(await keys(objects)).toEqual([triggerFrameKey('cam_a', frame(4).timestamp, 4)]);
  });
});
