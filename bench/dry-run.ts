import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { at, stream } from '../src/analytics/rules/testing/stream.ts';
import { nightSchema, ruleSchema } from '../src/analytics/rules/schema.ts';
import type { Caller } from '../src/core/actor.ts';
import { dryRunRule } from '../src/settings/dry-run.ts';
import { openSettings } from '../src/settings/open.ts';
import { openStore } from '../src/store/open.ts';
import { rulesWindowRepo } from '../src/store/repositories/rules-window.ts';

const ADMIN: Caller = { kind: 'user', id: 1, name: 'bench', role: 'admin', cameras: null };
const BATCH = 2000;

/**
 * The rule dry run over a day of one camera's stored detections (PGlite): `frames` analysed frames
 * at 1 fps ending now, people crossing the view in visits of 5 minutes every 10 (three at a time,
 * none in between), replayed through a 10 s loitering rule over the whole view. Reports the wall
 * time of the dry run (median of 3) and the rules window's bytes per stored frame.
 */
export async function benchDryRun(o: { frames: number }): Promise<Record<string, number>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-dry-run-'));
  const store = await openStore({ kind: 'pglite' }, path.join(root, 'db'));
  try {
    const frame = stream('cam_a', new Date(Date.now() - o.frames * 1000).toISOString());
    for (let from = 0; from < o.frames; from += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, o.frames - from) }, (_, k) => {
        const i = from + k;
        const visit = Math.floor(i / 600);
        return frame(i, i % 600 < 300 ? [1, 2, 3].map((p) => ({ id: visit * 10 + p, bbox: at(200 + p * 150 + (i % 300), 500 + p * 100) })) : []);
      });
      // bulk load: the product appends one frame at a time as it is analysed
      await store.query(
        `INSERT INTO rules_window (camera_id, frame_at, frame_seq, message)
         SELECT m->>'camera_id', (m->>'timestamp')::timestamptz, (m->>'frame_seq')::bigint, m FROM jsonb_array_elements($1::jsonb) m`,
        [JSON.stringify(batch)]);
    }
    const { rows } = await store.query<{ bytes: string }>(`SELECT pg_total_relation_size('rules_window')::text AS bytes`);
    const settings = openSettings(store, async () => ['cam_a']);
    await settings.put(ADMIN, { kind: 'zone', scope: 'cam_a', id: 'all' }, { polygon: [[0, 0], [960, 0], [960, 1080], [0, 1080]] });
    const deps = { config: settings, frames: rulesWindowRepo(store), ruleSettings: () => ({ night: nightSchema.parse({}), track_expiry_seconds: 30 }), engine: { timezone: 'UTC' } };
    const rule = ruleSchema.parse({ type: 'loitering', zone: 'all', params: { seconds: 10 } });
    const times: number[] = [];
    let fires = 0;
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      const r = await dryRunRule(deps, ADMIN, { camera: 'cam_a', rule, zones: {}, lines: {}, hours: Math.ceil(o.frames / 3600) + 1 });
      times.push(performance.now() - t0);
      fires = r.count;
    }
    const median = times.sort((a, b) => a - b)[1]!;
    return { frames: o.frames, dry_run_ms: Math.round(median), frames_per_s: Math.round(o.frames / (median / 1000)), fires, window_bytes_per_frame: Math.round(Number(rows[0]!.bytes) / o.frames) };
  } finally {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
