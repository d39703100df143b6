import type { DetectionMessage } from '../src/core/types.ts';
import { RulesEngine } from '../src/analytics/rules/engine.ts';
import { ruleSetSchema } from '../src/analytics/rules/schema.ts';

/**
 * Rule evaluation throughput on one core: one camera (960x1080) with 50 zones (a 10x5 grid of
 * pentagons), 10 lines and 100 rules (enter, exit, presence, loitering, crowd per zone in turn,
 * a line_cross per line, one abandoned_object), fed a synthetic 1-fps stream of `tracks` people
 * walking (bouncing off the frame edges) plus 2 bags; detections/s = detections / CPU seconds.
 */
export function benchRules(o: { tracks: number; frames: number }): Record<string, number> {
  const zones: Record<string, unknown> = {};
  const rules: Record<string, unknown> = {};
  const kinds = ['zone_enter', 'zone_exit', 'zone_presence', 'loitering', 'crowd'] as const;
  for (let k = 0; k < 50; k++) {
    const x = (k % 10) * 96;
    const y = Math.floor(k / 10) * 216;
    zones[`z${k}`] = { polygon: [[x, y], [x + 96, y], [x + 96, y + 150], [x + 48, y + 216], [x, y + 150]] };
    rules[`r${k}`] = { type: kinds[k % kinds.length], zone: `z${k}`, params: kinds[k % kinds.length] === 'loitering' ? { seconds: 30 } : {} };
    rules[`l${k}`] = { type: 'loitering', zone: `z${k}`, params: { seconds: 60 } };
  }
  const lines: Record<string, unknown> = {};
  for (let k = 0; k < 10; k++) {
    lines[`line${k}`] = { points: [[k * 96 + 10, 0], [k * 96 + 10, 1080]] };
    rules[`x${k}`] = { type: 'line_cross', line: `line${k}` };
  }
  rules.bags = { type: 'abandoned_object', params: { seconds: 30 } };
  const engine = new RulesEngine(ruleSetSchema.parse({ cameras: { cam: { zones, lines, rules } } }), { timezone: 'Europe/London' });

  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const people = Array.from({ length: o.tracks }, () => ({ x: rand() * 960, y: 100 + rand() * 980, vx: (rand() - 0.5) * 60, vy: (rand() - 0.5) * 60 }));
  const t0 = Date.parse('2025-01-20T21:00:00Z');
  const messages: DetectionMessage[] = [];
  for (let i = 0; i < o.frames; i++) {
    const detections: DetectionMessage['detections'] = people.map((p, id) => {
      p.x += p.vx; p.y += p.vy;
      if (p.x < 20 || p.x > 940) p.vx = -p.vx;
      if (p.y < 100 || p.y > 1070) p.vy = -p.vy;
      return { class: 'person', confidence: 0.8, bbox: [p.x - 20, p.y - 100, p.x + 20, p.y], track_id: id + 1 };
    });
    detections.push({ class: 'backpack', confidence: 0.7, bbox: [300, 500, 330, 530], track_id: 1000 }, { class: 'suitcase', confidence: 0.7, bbox: [700, 800, 740, 850], track_id: 1001 });
    messages.push({ camera_id: 'cam', timestamp: new Date(t0 + i * 1000).toISOString(), frame_seq: i, width: 960, height: 1080, model: 'bench', detections });
  }

  let triggers = 0;
  const cpu = process.cpuUsage();
  const wall = performance.now();
  for (const m of messages) triggers += engine.process(m).length;
  const wallS = (performance.now() - wall) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuS = (used.user + used.system) / 1e6;
  const detections = messages.length * (o.tracks + 2);
  return {
    zones: 50, lines: 10, rules: Object.keys(rules).length, tracks: o.tracks, frames: o.frames, detections, triggers,
    detections_per_s_per_core: Math.round(detections / cpuS),
    frames_per_s_per_core: Math.round(messages.length / cpuS),
    us_per_frame: Math.round((wallS / messages.length) * 1e6 * 10) / 10,
  };
}
