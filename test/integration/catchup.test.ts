/**
 * Analysis is never lost: the inference role is stopped while recording goes on (DVR simulator →
 * real ffmpeg → 4 s segments), then started again. The time it missed must be analysed from the
 * recording (real centernet detector), its people must become events marked late at their real
 * capture times, and live frames must be analysed again while catch-up still runs.
 *
 * The outage lasts OUTAGE_MS (40 s rather than 2 min, for the suite's time budget on a shared
 * 2-core machine); nothing in the mechanism depends on its length — the hole is the range between
 * the stored cursor and the first frame analysed after the restart.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { TOPICS, type BBox, type DetectionMessage } from '../../src/core/types.ts';
import { ensureSample } from '../../src/dvr-sim/sample.ts';
import { startDvrSim, type DvrSim } from '../../src/dvr-sim/server.ts';
import { readGroundTruth, type Frames, type GtBox } from '../../src/eval/mot-format.ts';
import type { RunningRole } from '../../src/roles/context.ts';
import { startInference } from '../../src/roles/inference.ts';
import { startRoles, type Running } from '../../src/roles/run.ts';
import { authHeaders, type AuthHeaders } from '../fixtures/api-auth.ts';
import { iou } from '../../src/core/geometry.ts';
import { PETS09_GT } from '../fixtures/ground-truth.ts';
import { until } from '../fixtures/until.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const hasSample = existsSync(path.resolve('.cache/samples/vtest.avi'));
const missing = [!hasFfmpeg && 'ffmpeg', !hasSample && 'the sample clip .cache/samples/vtest.avi (npm run fetch-sample)', !existsSync(PETS09_GT) && `the PETS09 ground truth ${PETS09_GT}`].filter(Boolean);
if (missing.length > 0) console.warn(`skipping catch-up test: ${missing.join(', ')} not found`);

const log = createLogger('silent');
const CAMERA = 'cam_a';
const LIVE_MS = 20_000;
const OUTAGE_MS = 40_000;
/** sample clip: vtest (768x576, 10 fps) scaled to the DVR's 960x1080 at 25 fps */
const CLIP_FPS = 25;
const GT_FPS = 10;
const SCALE = [960 / 768, 1080 / 576] as const;
/** a person counts when seen this long inside the window (shorter passes may fall between 1 fps keyframes) */
const MIN_VISIBLE_S = 3;
/** capture times of live and recorded frames are arrival times: ± half a second against the clip */
const TOLERANCE_GT_FRAMES = 5;
const MATCH_IOU = 0.3;

interface Seen {
  msg: DetectionMessage;
  /** order of arrival on the bus */
  index: number;
}

interface PublicEvent { id: number; class: string; start_time: string; late: boolean; metadata: { track_id?: number } }

const scaled = ([x1, y1, x2, y2]: BBox): BBox => [x1 * SCALE[0], y1 * SCALE[1], x2 * SCALE[0], y2 * SCALE[1]];

describe.skipIf(missing.length > 0)('catch-up after an inference outage', () => {
  let dir: string;
  let sim: DvrSim;
  let running: Running;
  let inference: RunningRole | undefined;
  let api: string;
  const seen: Seen[] = [];
  const gt: Frames<GtBox> = existsSync(PETS09_GT) ? readGroundTruth(PETS09_GT, 'mot15') : new Map();
  /** an admin: reads the metrics too */
  let admin: AuthHeaders;
  const getJson = async <T>(p: string): Promise<T> => (await (await fetch(`${api}${p}`, { headers: admin })).json()) as T;

  /** The 1-based ground-truth frame the channel showed at wall time `at`. */
  const gtFrameAt = (at: number): number => {
    const clipFrame = Math.round(((at - sim.frameSentAt(1, 0, at)) * CLIP_FPS) / 1000);
    return Math.floor((clipFrame * GT_FPS) / CLIP_FPS) + 1;
  };

  /** Ground-truth people seen at least MIN_VISIBLE_S inside (from, to). */
  const peopleIn = (from: number, to: number): Set<number> => {
    const frames = new Map<number, number>();
    for (let t = from; t < to; t += 1000 / GT_FPS) {
      for (const b of gt.get(gtFrameAt(t)) ?? []) if (!b.ignore) frames.set(b.id, (frames.get(b.id) ?? 0) + 1);
    }
    return new Set([...frames].filter(([, n]) => n >= MIN_VISIBLE_S * GT_FPS).map(([id]) => id));
  };

  /** person id → track ids of `messages` whose boxes matched that person's ground truth */
  const tracksOfPeople = (messages: DetectionMessage[]): Map<number, Set<number>> => {
    const out = new Map<number, Set<number>>();
    for (const m of messages) {
      const f = gtFrameAt(Date.parse(m.timestamp));
      for (const d of m.detections) {
        if (d.class !== 'person' || d.track_id === undefined) continue;
        for (let g = f - TOLERANCE_GT_FRAMES; g <= f + TOLERANCE_GT_FRAMES; g++) {
          for (const b of gt.get(g) ?? []) {
            if (b.ignore || iou(d.bbox, scaled(b.bbox)) < MATCH_IOU) continue;
            out.set(b.id, (out.get(b.id) ?? new Set()).add(d.track_id));
          }
        }
      }
    }
    return out;
  };

  /** Share of the people in (from, to) whose matching track became an event of the given kind. */
  const completeness = (messages: DetectionMessage[], events: PublicEvent[], from: number, to: number) => {
    const people = peopleIn(from, to);
    const tracked = tracksOfPeople(messages.filter((m) => Date.parse(m.timestamp) > from && Date.parse(m.timestamp) < to));
    const eventTracks = new Set(events.map((e) => e.metadata.track_id));
    const found = [...people].filter((id) => [...(tracked.get(id) ?? [])].some((t) => eventTracks.has(t)));
    return { people: people.size, found: found.length, share: people.size ? found.length / people.size : 1 };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-catchup-'));
    const sample = await ensureSample(undefined, log, { download: false });
    sim = await startDvrSim({ port: 0, channels: 1, password: 'Catch-Up-4', main: sample.main, sub: sample.sub, log });
    const loaded = resolveConfig({
      sites: [{ id: 'site', dvrs: [{ id: 'sim', host: '127.0.0.1', port: sim.port }], cameras: [{ id: CAMERA, dvr: 'sim', channel: 1 }] }],
      storage: { data_dir: dir },
      recording: { segment_seconds: 4 },
      // one worker per core, the default: a camera's live frames use one at a time, so catch-up always finds the other
      detection: { workers: 2 },
      faces: { enabled: false },
      api: { port: 0 },
    }, 'catchup-test', { VIGIL_DVR_SIM_PASSWORD: 'Catch-Up-4' });
    running = await startRoles(loaded, ['edge', 'analytics', 'api'], log);
    api = running.apiUrl!;
    admin = await authHeaders(api, running.ctx.repos, 'admin');
    await running.ctx.bus.ensureTopic(TOPICS.aiDetections);
    await running.ctx.bus.subscribe<DetectionMessage>({
      topic: TOPICS.aiDetections, group: 'catchup-test-observer', start: 'latest',
      handler: async ({ value }) => void seen.push({ msg: value, index: seen.length }),
    });
    inference = await startInference(running.ctx);
  }, 120_000);

  afterAll(async () => {
    await inference?.stop();
    await running?.stop();
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('analyses the recorded outage after the restart: people become late events, live analysis comes first', async () => {
    const liveStart = await until('live analysis', 90_000, () => seen.find((s) => !s.msg.late)?.msg.timestamp);
    await new Promise((r) => setTimeout(r, LIVE_MS));

    await inference!.stop();
    inference = undefined;
    // the durable cursor is the last live frame analysed (its detections may still be on their way to the observer)
    const lastLive = await until('the cursor at the last live frame', 10_000, async () => {
      const stored = await running.ctx.repos.analysis.liveUntil(CAMERA);
      const last = seen.filter((s) => !s.msg.late).at(-1);
      return stored && last && stored.getTime() === Date.parse(last.msg.timestamp) ? last : undefined;
    });
    await new Promise((r) => setTimeout(r, OUTAGE_MS));

    const restartIndex = seen.length;
    inference = await startInference(running.ctx);
    const firstLive = await until('live analysis after the restart', 90_000, () => seen.slice(restartIndex).find((s) => !s.msg.late));
    // the outage as analysis saw it: between the last live frame before and the first after (frames
    // of the outage still on the bus are stale by then, or dropped for newer ones: part of the hole)
    const from = Date.parse(lastLive.msg.timestamp);
    const to = Date.parse(firstLive.msg.timestamp);
    expect(to - from).toBeGreaterThan(OUTAGE_MS / 2);

    // the camera shows the hole while it is worked off, then the cursor catches up with live
    const behind = await until('the outage stored as a hole', 20_000, async () => {
      const c = await getJson<{ analysis: { lag_seconds: number; holes: number } }>(`/api/v1/cameras/${CAMERA}`);
      return c.analysis.holes >= 1 ? c : undefined;
    });
    expect(behind.analysis.lag_seconds).toBeGreaterThan(OUTAGE_MS / 1000 / 2);
    await until('catch-up past the outage', 600_000, async () => {
      const c = await getJson<{ analysis: { holes: number; cursor: string } }>(`/api/v1/cameras/${CAMERA}`);
      // later holes (live frames skipped on a loaded machine after the restart) may still be open
      return Date.parse(c.analysis.cursor) >= to ? c : undefined;
    }, 2000);
    expect(await fetch(`${api}/metrics`, { headers: admin }).then((r) => r.text())).toMatch(new RegExp(`analysis_lag_seconds\\{camera_id="${CAMERA}"\\} \\d`));

    // real capture times, in capture order (oldest hole first). On a loaded machine live frames skipped
    // before the outage or after the restart become holes too, so the outage's frames are picked by time.
    const allLate = seen.filter((s) => s.msg.late);
    const lateTimes = allLate.map((s) => Date.parse(s.msg.timestamp));
    expect(lateTimes).toEqual([...lateTimes].sort((a, b) => a - b));
    const late = allLate.filter((s) => Date.parse(s.msg.timestamp) > from && Date.parse(s.msg.timestamp) < to);
    expect(late.length).toBeGreaterThanOrEqual((to - from) / 1000 / 2);
    // live recovered first: analysed live frames arrived while the outage was still being caught up
    expect(firstLive.index).toBeLessThan(late.at(-1)!.index);
    const liveDuringCatchUp = seen.filter((s) => !s.msg.late && s.index > late[0]!.index && s.index < late.at(-1)!.index);
    expect(liveDuringCatchUp.length).toBeGreaterThan(0);

    // every late person track becomes an event (the analytics role may still be writing the last ones)
    const lateTracks = new Set(late.flatMap((s) => s.msg.detections.filter((d) => d.class === 'person').map((d) => d.track_id)));
    const events = await until('an event for every late person track', 60_000, async () => {
      const items = (await getJson<{ items: PublicEvent[] }>(`/api/v1/events?camera=${CAMERA}&class=person&limit=500`)).items;
      const withEvent = new Set(items.filter((e) => e.late).map((e) => e.metadata.track_id));
      return [...lateTracks].every((id) => withEvent.has(id)) ? items : undefined;
    });
    const lateEvents = events.filter((e) => e.late);
    expect(lateEvents.length).toBeGreaterThan(0);
    expect(lateEvents.some((e) => Date.parse(e.start_time) > from && Date.parse(e.start_time) < to)).toBe(true);
    expect(events.filter((e) => !e.late && Date.parse(e.start_time) > from && Date.parse(e.start_time) < to)).toEqual([]);

    const caughtUp = completeness(late.map((s) => s.msg), lateEvents, from, to);
    const liveBaseline = completeness(seen.filter((s) => !s.msg.late).map((s) => s.msg), events.filter((e) => !e.late), Date.parse(liveStart), from);
    console.warn(`catch-up completeness: ${caughtUp.found}/${caughtUp.people} people of the ${Math.round((to - from) / 1000)} s outage became late events (live analysis before it: ${liveBaseline.found}/${liveBaseline.people})`);
    expect(caughtUp.people).toBeGreaterThan(0);
    // measured 16/16, 16/16, 17/17, 13/15 on a loaded 2-core box; the misses are the detector's and
    // the ground-truth matching's (live analysis misses some people too: 5/7, 7/8, 9/9 before the outage)
    expect(caughtUp.share).toBeGreaterThanOrEqual(0.7);
  }, 900_000);
});
