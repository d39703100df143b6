/**
 * Evidence through the real pipeline: DVR simulator (vtest) → edge → inference → analytics → API,
 * with a 10 s loitering rule on the plaza. The alert's snapshot must be the frame the rule fired
 * on, its box drawn where the event says, and that box must be on the person who loitered: it is
 * the triggering track's detection in that frame, and the detector run again on the snapshot finds
 * a person there. A track event's box is the box in its own snapshot's frame.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerFrameKey } from '../../src/analytics/track-events.ts';
import { configSchema } from '../../src/config/schema.ts';
import { createLogger } from '../../src/core/log.ts';
import type { BBox, DetectionMessage } from '../../src/core/types.ts';
import { samplePlazaPolygon } from '../../src/dvr-sim/sample.ts';
import type { Running } from '../../src/roles/run.ts';
import { boxColour } from '../../src/vision/draw-boxes.ts';
import { iou } from '../../src/core/geometry.ts';
import { createDetectorPool } from '../../src/vision/pool.ts';
import { clipPipelineMissing, startClipPipeline, type ClipPipeline } from '../fixtures/clip-pipeline.ts';
import { until } from '../fixtures/until.ts';

const log = createLogger('silent');
const CAMERA = 'cam_plaza';

interface ApiEvent {
  id: number;
  class: string;
  bbox: BBox;
  snapshot_url: string | null;
  metadata: { track_ids?: number[]; track_id?: number; boxes?: Array<{ track_id: number; class: string; bbox: BBox }> };
}

describe.skipIf(clipPipelineMissing('evidence test'))('alert evidence on the real clip', () => {
  let pipeline: ClipPipeline;
  let running: Running;
  let api: string;
  const get = async (p: string) => {
    const r = await fetch(`${api}${p}`, { headers: pipeline.headers });
    expect(r.status, p).toBe(200);
    return r;
  };
  const json = async <T>(p: string) => (await (await get(p)).json()) as T;
  const jpeg = async (p: string) => Buffer.from(await (await get(p)).arrayBuffer());
  /** the analysed frames the analytics role kept (rules window): what the detector and tracker said about each frame */
  const frames = async (): Promise<DetectionMessage[]> =>
    (await running.ctx.store.query<{ message: DetectionMessage }>('SELECT message FROM rules_window WHERE camera_id = $1 ORDER BY frame_at', [CAMERA])).rows.map((r) => r.message);

  beforeAll(async () => {
    pipeline = await startClipPipeline({
      name: 'evidence', channels: 1, password: 'Evidence-9', roles: ['edge', 'inference', 'analytics', 'api'], log,
      configure: (simPort, dir) => ({
        sites: [{ id: 'site', dvrs: [{ id: 'sim', host: '127.0.0.1', port: simPort }], cameras: [{ id: CAMERA, dvr: 'sim', channel: 1 }] }],
        storage: { data_dir: dir }, detection: { workers: 1 }, faces: { enabled: false }, api: { port: 0 },
        rules: {
          night: { time_factor: 1 },
          cameras: { [CAMERA]: { zones: { plaza: { name: 'Plaza', polygon: samplePlazaPolygon(960, 1080) } }, rules: { loiter: { type: 'loitering', zone: 'plaza', params: { seconds: 10 } } } } },
        },
      }),
    });
    ({ running, api } = pipeline);
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('a loitering alert\'s snapshot is the frame it fired on, with the loiterer\'s box drawn where the event says', async () => {
    const alert = await until('a loitering alert', 90_000, async () => {
      const items = (await json<{ items: Array<{ id: number; event_id: number; triggered_at: string; snapshot_url: string | null }> }>('/api/v1/alerts')).items;
      return items.find((a) => a.snapshot_url);
    }, 500);
    const event = await json<ApiEvent>(`/api/v1/events/${alert.event_id}`);
    expect(event.snapshot_url).toBe(alert.snapshot_url);
    const [subject] = event.metadata.boxes ?? [];
    expect(subject, 'the triggering object and its box in the frame that fired').toBeDefined();
    expect(event.metadata.track_ids).toContain(subject!.track_id);
    expect(event.bbox).toEqual(subject!.bbox);

    // the frame the rule fired on: the triggering track was detected there, at the event's box
    const fired = (await frames()).find((m) => Date.parse(m.timestamp) === Date.parse(alert.triggered_at));
    expect(fired, 'the analysed frame at the trigger time').toBeDefined();
    const detected = fired!.detections.find((d) => d.track_id === subject!.track_id);
    expect(detected, 'the triggering track in that frame').toBeDefined();
    expect(iou(detected!.bbox, event.bbox)).toBeGreaterThan(0.99);

    // the clean snapshot is that very frame (still kept by the inference role)
    const clean = await jpeg(`/api/v1/events/${event.id}/snapshot?boxes=0`);
    expect(clean.equals(await running.ctx.objects.get('snapshots', triggerFrameKey(CAMERA, fired!.timestamp, fired!.frame_seq)))).toBe(true);

    // the drawn snapshot frames the event's box in the person colour; the clean one does not
    const drawn = await jpeg(`/api/v1/events/${event.id}/snapshot`);
    const [x1, y1, x2, y2] = event.bbox.map(Math.round) as BBox;
    const edge: Array<[number, number]> = [[x1, Math.round((y1 + y2) / 2)], [x2, Math.round((y1 + y2) / 2)], [Math.round((x1 + x2) / 2), y2]];
    const [pr, pg, pb] = [1, 3, 5].map((i) => parseInt(boxColour('person').slice(i, i + 2), 16));
    const onColour = async (img: Buffer) => {
      const { data, info } = await sharp(img).raw().toBuffer({ resolveWithObject: true });
      return edge.filter(([x, y]) => {
        const cx = Math.min(info.width - 1, Math.max(0, x)), cy = Math.min(info.height - 1, Math.max(0, y));
        const i = (cy * info.width + cx) * info.channels;
        return Math.abs(data[i]! - pr!) < 50 && Math.abs(data[i + 1]! - pg!) < 50 && Math.abs(data[i + 2]! - pb!) < 50;
      }).length;
    };
    expect(await onColour(drawn)).toBe(edge.length);
    expect(await onColour(clean)).toBeLessThan(edge.length);
    // the alert's own picture (what notifications attach) is drawn too
    const stored = (await running.ctx.store.query<{ snapshot_path: string }>('SELECT snapshot_path FROM alerts WHERE event_id = $1', [event.id])).rows[0]!;
    expect(await onColour(await running.ctx.objects.get('snapshots', stored.snapshot_path))).toBe(edge.length);

    // and the box is on a person: the detector, run again on the clean snapshot, finds one there
    const detection = configSchema.parse({}).detection;
    const pool = await createDetectorPool({ ...detection, workers: 1, default_threshold: detection.score_floor, thresholds: {} });
    try {
      const again = await pool.detect(clean);
      const best = Math.max(0, ...again.detections.filter((d) => d.class === 'person').map((d) => iou(d.bbox, event.bbox)));
      expect(best, 'IoU of the event box with the nearest person the detector finds on the snapshot').toBeGreaterThan(0.5);
    } finally {
      await pool.close();
    }
  }, 150_000);

  it('a track event\'s box is the box of its track in the frame of its snapshot', async () => {
    const events = (await json<{ items: Array<ApiEvent & { event_type: string }> }>('/api/v1/events?limit=100')).items.filter((e) => e.event_type === 'detection' && e.snapshot_url);
    expect(events.length).toBeGreaterThan(0);
    const kept = await frames();
    let checked = 0;
    for (const e of events) {
      const row = await running.ctx.repos.events.get(e.id);
      // snapshots/<camera>/tracks/<track>/<capture ms>-<seq>.jpg
      const m = /\/tracks\/(\d+)\/(\d+)-(\d+)\.jpg$/.exec(row!.snapshot_path!);
      expect(m, row!.snapshot_path!).not.toBeNull();
      const [track, at, seq] = m!.slice(1).map(Number) as [number, number, number];
      const frame = kept.find((f) => Date.parse(f.timestamp) === at && f.frame_seq === seq);
      if (!frame) continue; // older than the rules window
      const d = frame.detections.find((x) => x.track_id === track);
      expect(d, `track ${track} in the frame of its snapshot`).toBeDefined();
      expect(e.bbox).toEqual(d!.bbox);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
