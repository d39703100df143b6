import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { triggerFrameKey } from '../analytics/track-events.ts';
import type { DetectionMessage } from '../core/types.ts';
import { createDiskObjects } from '../objects/disk.ts';
import { sampleTrigger } from './test-fixtures.ts';
import { ruleSnapshotKey, ruleSnapshotWithBoxesKey, TriggerSnapshots } from './trigger-evidence.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-trigger-evidence-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const AT = '2025-01-20T23:10:00.000Z';
const frame = (seq: number, detections: DetectionMessage['detections']): DetectionMessage => ({
  camera_id: 'cam_a', timestamp: AT, frame_seq: seq, width: 960, height: 1080, model: 'centernet', detections,
});

function harness() {
  const objects = createDiskObjects(path.join(root, String(Math.random()).slice(2)));
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'warn', base: undefined }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { objects, lines, snapshots: new TriggerSnapshots(objects, log) };
}

describe('TriggerSnapshots', () => {
  it('keeps the frame the rule fired on, with the boxes of its objects in that frame', async () => {
    const { objects, snapshots } = harness();
    const jpeg = await sharp({ create: { width: 960, height: 1080, channels: 3, background: { r: 90, g: 90, b: 90 } } }).jpeg().toBuffer();
    await objects.put('snapshots', triggerFrameKey('cam_a', AT, 5), jpeg);
    const t = sampleTrigger({ trackIds: [7, 9] });
    const evidence = await snapshots.capture(t, frame(5, [
      { class: 'person', confidence: 0.8, bbox: [10, 20, 60, 140], track_id: 7 },
      { class: 'person', confidence: 0.7, bbox: [300, 20, 360, 140], track_id: 8 },
      { class: 'person', confidence: 0.9, bbox: [500, 20, 560, 140], track_id: 9 },
    ]));
    expect(evidence).toEqual({
      snapshotPath: ruleSnapshotKey(t), drawnPath: ruleSnapshotWithBoxesKey(t),
      boxes: [
        { track_id: 7, class: 'person', confidence: 0.8, bbox: [10, 20, 60, 140] },
        { track_id: 9, class: 'person', confidence: 0.9, bbox: [500, 20, 560, 140] },
      ],
    });
    expect(await objects.get('snapshots', ruleSnapshotKey(t))).toEqual(jpeg);
    // the alert's picture: the same frame with the subjects framed (left edge of track 7's box), the bystander not
    const { data, info } = await sharp(await objects.get('snapshots', ruleSnapshotWithBoxesKey(t))).raw().toBuffer({ resolveWithObject: true });
    const red = (x: number, y: number) => data[(y * info.width + x) * info.channels]! > 200;
    expect([red(10, 80), red(500, 80), red(300, 80)]).toEqual([true, true, false]);
    // the inference role deletes its frames after a while: the rule's copy stays, and a replay finds it
    await objects.delete('snapshots', triggerFrameKey('cam_a', AT, 5));
    expect((await snapshots.capture(t, frame(5, [{ class: 'person', confidence: 0.8, bbox: [10, 20, 60, 140], track_id: 7 }]))).snapshotPath).toBe(ruleSnapshotKey(t));
  });

  it('no snapshot, loudly, when the frame is gone; none when no subject is in the frame', async () => {
    const { snapshots, lines } = harness();
    const t = sampleTrigger({ trackIds: [7] });
    const gone = await snapshots.capture(t, frame(6, [{ class: 'person', confidence: 0.8, bbox: [10, 20, 60, 140], track_id: 7 }]));
    expect(gone).toEqual({ snapshotPath: null, drawnPath: null, boxes: [{ track_id: 7, class: 'person', confidence: 0.8, bbox: [10, 20, 60, 140] }] });
    expect(lines.find((l) => /no longer kept/.test(String(l.msg)))).toMatchObject({ camera_id: 'cam_a', rule: 'loiter' });
    expect(await snapshots.capture(t, frame(7, [{ class: 'person', confidence: 0.8, bbox: [1, 2, 3, 4], track_id: 8 }]))).toEqual({ snapshotPath: null, drawnPath: null, boxes: [] });
  });

  it('names snapshots after the trigger key with safe characters only', () => {
    expect(ruleSnapshotKey(sampleTrigger({ key: 'cam_a:rule:loiter:7:1737414600000' }))).toBe('cam_a/rules/cam_a_rule_loiter_7_1737414600000.jpg');
  });
});
