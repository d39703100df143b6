import { describe, expect, it } from 'vitest';
import { RulesEngine } from './engine.ts';
import { at, ruleSet, stream, type Obj } from './testing/stream.ts';
import type { RuleTrigger } from './types.ts';

const SQUARE = [[100, 100], [500, 100], [500, 500], [100, 500]];
const IN = at(300, 300);
const OUT = at(700, 300);
const EDGE_IN = at(300, 495);
const EDGE_OUT = at(300, 505);

function engineWith(rules: Record<string, unknown>, extra: Record<string, unknown> = {}, tz = 'UTC') {
  return new RulesEngine(ruleSet({ cameras: { cam: { zones: { plaza: { name: 'Plaza', polygon: SQUARE } }, rules, ...extra } } }), { timezone: tz });
}

/** Feeds frames 0..n-1, objects per frame from fn; returns the triggers with the frame index they fired at. */
function run(engine: RulesEngine, n: number, fn: (i: number) => Obj[], start?: string, from = 0): { i: number; t: RuleTrigger }[] {
  const frame = stream('cam', start);
  const out: { i: number; t: RuleTrigger }[] = [];
  for (let i = from; i < from + n; i++) for (const t of engine.process(frame(i, fn(i)))) out.push({ i, t });
  return out;
}

describe('zones: enter / exit with inertia', () => {
  it('enters after inertia frames inside, by the feet; startedAt is the first frame inside', () => {
    const e = engineWith({ in: { type: 'zone_enter', zone: 'plaza' } });
    // head inside, feet outside: not in the zone
    const fired = run(e, 6, (i) => [{ id: 1, bbox: i < 3 ? [280, 450, 320, 520] : IN }]);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.i).toBe(4); // inertia 2: frames 3 and 4
    expect(fired[0]!.t.startedAt.toISOString()).toBe('2025-01-20T12:00:03.000Z');
    expect(fired[0]!.t.key).toBe(`cam:rule:in:1:${Date.parse('2025-01-20T12:00:03Z')}`);
    expect(fired[0]!.t.title).toBe('Person entered Plaza');
    expect(fired[0]!.t.zoneId).toBe('plaza');
  });

  it('a box flickering on the edge enters once and never exits', () => {
    const e = engineWith({ in: { type: 'zone_enter', zone: 'plaza' }, out: { type: 'zone_exit', zone: 'plaza' } });
    const fired = run(e, 30, (i) => [{ id: 1, bbox: i < 2 ? IN : i % 2 ? EDGE_OUT : EDGE_IN }]);
    expect(fired.map((f) => f.t.ruleId)).toEqual(['in']);
  });

  it('exit after inertia frames outside, once per stay; re-entry is a new entry', () => {
    const e = engineWith({ in: { type: 'zone_enter', zone: 'plaza' }, out: { type: 'zone_exit', zone: 'plaza' } });
    const fired = run(e, 12, (i) => [{ id: 1, bbox: i < 4 || i >= 8 ? IN : OUT }]);
    expect(fired.map((f) => [f.t.ruleId, f.i])).toEqual([['in', 1], ['out', 5], ['in', 9]]);
    expect(fired[1]!.t.title).toBe('Person left Plaza after 4 s');
  });

  it('per-zone classes: a car does not enter a person zone', () => {
    const e = engineWith({ in: { type: 'zone_enter', zone: 'plaza' } });
    expect(run(e, 5, () => [{ id: 1, cls: 'car', bbox: IN }])).toHaveLength(0);
  });

  it('redelivered (older or same) frames are ignored', () => {
    const e = engineWith({ in: { type: 'zone_enter', zone: 'plaza' } });
    const frame = stream('cam');
    expect(e.process(frame(0, [{ id: 1, bbox: IN }]))).toHaveLength(0);
    expect(e.process(frame(1, [{ id: 1, bbox: IN }]))).toHaveLength(1);
    expect(e.process(frame(1, [{ id: 1, bbox: IN }]))).toHaveLength(0);
    expect(e.process(frame(0, [{ id: 1, bbox: IN }]))).toHaveLength(0);
  });

  it('rejects a frame with an invalid timestamp naming the camera', () => {
    const e = engineWith({ in: { type: 'zone_enter', zone: 'plaza' } });
    expect(() => e.process({ ...stream('cam')(0, []), timestamp: 'yesterday' })).toThrow(/camera cam: .*invalid timestamp "yesterday"/);
  });
});

describe('loitering', () => {
  const rules = { loiter: { type: 'loitering', zone: 'plaza', params: { seconds: 10 } } };
  it('just under the limit: nothing; at the limit: once per stay', () => {
    // inside from frame 0 (stay starts at 0 s), leaves after frame 9 (9 s dwell) → nothing
    expect(run(engineWith(rules), 14, (i) => [{ id: 1, bbox: i <= 9 ? IN : OUT }])).toHaveLength(0);
    const fired = run(engineWith(rules), 30, (i) => [{ id: 1, bbox: i <= 20 ? IN : OUT }]);
    expect(fired.map((f) => f.i)).toEqual([10]);
    expect(fired[0]!.t.title).toBe('Person loitering in Plaza for 10 s');
    expect(fired[0]!.t.startedAt.getTime()).toBe(Date.parse('2025-01-20T12:00:00Z'));
  });

  it('track lost and found with the same id continues the dwell', () => {
    const fired = run(engineWith(rules), 14, (i) => (i >= 4 && i <= 8 ? [] : [{ id: 1, bbox: IN }]));
    expect(fired.map((f) => f.i)).toEqual([10]);
  });

  it('a track forgotten after track_expiry_seconds starts a new stay', () => {
    const e = new RulesEngine(ruleSet({ track_expiry_seconds: 3, cameras: { cam: { zones: { plaza: { polygon: SQUARE } }, rules } } }), { timezone: 'UTC' });
    expect(run(e, 20, (i) => (i >= 5 && i <= 9 ? [] : [{ id: 1, bbox: IN }]))).toHaveLength(0);
  });

  it('leaving and coming back is a new stay', () => {
    const fired = run(engineWith(rules), 40, (i) => [{ id: 1, bbox: i < 8 || (i >= 12 && i < 20) ? IN : OUT }]);
    expect(fired).toHaveLength(0);
  });

  it('at night the threshold is scaled by night.time_factor and severity rises', () => {
    const e = engineWith(rules);
    const fired = run(e, 12, () => [{ id: 1, bbox: IN }], '2025-01-20T23:00:00Z');
    expect(fired.map((f) => f.i)).toEqual([5]);
    expect(fired[0]!.t.night).toBe(true);
    expect(fired[0]!.t.severity).toBe('high');
    expect(run(engineWith(rules), 12, () => [{ id: 2, bbox: IN }])[0]!.t.severity).toBe('medium');
  });
});

describe('zone presence and night mode', () => {
  it('an event by day (alert false), an alert at night', () => {
    const rules = { here: { type: 'zone_presence', zone: 'plaza', alert: false } };
    const day = run(engineWith(rules), 4, () => [{ id: 1, bbox: IN }]);
    expect(day.map((f) => [f.t.alert, f.t.night])).toEqual([[false, false]]);
    const night = run(engineWith(rules), 4, () => [{ id: 1, bbox: IN }], '2025-01-20T02:00:00Z');
    expect(night.map((f) => [f.t.alert, f.t.night, f.t.title])).toEqual([[true, true, 'Person in Plaza at night']]);
  });

  it('schedule night: a stay that began before 22:00 fires when the night starts', () => {
    const e = engineWith({ here: { type: 'zone_presence', zone: 'plaza', schedule: 'night' } });
    const fired = run(e, 20, () => [{ id: 1, bbox: IN }], '2025-01-20T21:59:50Z');
    expect(fired.map((f) => f.i)).toEqual([10]);
    expect(fired[0]!.t.startedAt.toISOString()).toBe('2025-01-20T21:59:50.000Z');
  });

  it('schedule uses site wall time: night in Asia/Kolkata is 16:30-00:30 UTC', () => {
    const rules = { here: { type: 'zone_presence', zone: 'plaza', schedule: 'night' } };
    expect(run(engineWith(rules, {}, 'Asia/Kolkata'), 3, () => [{ id: 1, bbox: IN }], '2025-01-20T17:00:00Z')).toHaveLength(1);
    expect(run(engineWith(rules, {}, 'Asia/Kolkata'), 3, () => [{ id: 1, bbox: IN }], '2025-01-20T12:00:00Z')).toHaveLength(0);
  });

  it('test mode rules trigger with testMode', () => {
    const fired = run(engineWith({ here: { type: 'zone_presence', zone: 'plaza', test_mode: true } }), 3, () => [{ id: 1, bbox: IN }]);
    expect(fired.map((f) => f.t.testMode)).toEqual([true]);
  });
});

describe('line crossing', () => {
  // horizontal line y = 600 from x 100 to 800: side a above (left walking from point 1 to point 2), b below
  const lines = { gate: { name: 'Gate', points: [[100, 600], [800, 600]] } };
  const cross = (direction: string, path: number[][]) => {
    const e = engineWith({ breach: { type: 'line_cross', line: 'gate' } }, { lines: { gate: { ...lines.gate, direction } } });
    return run(e, path.length, (i) => [{ id: 7, bbox: at(path[i]![0]!, path[i]![1]!) }]).map((f) => f.t);
  };
  const down = [[300, 500], [300, 580], [300, 640], [300, 700]];
  const up = [...down].reverse();

  it('fires in the configured direction only', () => {
    expect(cross('a_to_b', down).map((t) => t.details.to)).toEqual(['b']);
    expect(cross('a_to_b', up)).toHaveLength(0);
    expect(cross('b_to_a', up).map((t) => t.title)).toEqual(['Person crossed Gate (b → a)']);
    expect(cross('b_to_a', down)).toHaveLength(0);
    expect(cross('both', [...down, ...up])).toHaveLength(2);
  });

  it('perimeter is high by default, critical at night', () => {
    expect(cross('both', down)[0]!.severity).toBe('high');
    const e = engineWith({ breach: { type: 'line_cross', line: 'gate' } }, { lines });
    const night = run(e, 4, (i) => [{ id: 1, bbox: at(down[i]![0]!, down[i]![1]!) }], '2025-01-20T23:30:00Z');
    expect(night.map((f) => [f.t.severity, f.t.night])).toEqual([['critical', true]]);
  });

  it('jitter inside the margin does not cross; passing beside the line end does not cross', () => {
    expect(cross('both', [[300, 590], [300, 603], [300, 597], [300, 604], [300, 596]])).toHaveLength(0);
    expect(cross('both', [[900, 500], [900, 700]])).toHaveLength(0);
  });

  it('crossing while the track is lost counts when it is found on the other side', () => {
    const e = engineWith({ breach: { type: 'line_cross', line: 'gate' } }, { lines });
    expect(run(e, 6, (i) => (i === 0 ? [{ id: 1, bbox: at(300, 500) }] : i < 4 ? [] : [{ id: 1, bbox: at(300, 700) }]))).toHaveLength(1);
  });
});

describe('crowd', () => {
  const people = (n: number, offset = 0): Obj[] => Array.from({ length: n }, (_, k) => ({ id: k + 1 + offset, bbox: at(150 + k * 40, 300) }));
  const rules = { crowd: { type: 'crowd', zone: 'plaza', params: { max_people: 5, seconds: 5, clear_seconds: 10 } } };

  it('more than N for M seconds fires once, with all of them', () => {
    const fired = run(engineWith(rules), 20, () => people(6));
    expect(fired.map((f) => f.i)).toEqual([6]); // inside from frame 1 (inertia 2), 5 s later
    expect(fired[0]!.t.trackIds).toHaveLength(6);
    expect(fired[0]!.t.title).toBe('Crowd of 6 in Plaza for 5 s');
    expect(fired[0]!.t.key).toBe(`cam:rule:crowd:crowd:${Date.parse('2025-01-20T12:00:01Z')}`);
  });

  it('exactly N never fires', () => {
    expect(run(engineWith(rules), 20, () => people(5))).toHaveLength(0);
  });

  it('a count oscillating around N (6, 5, 6, 5, … and 6, 4, 6, 4 once standing) fires once', () => {
    const fired = run(engineWith(rules), 60, (i) => (i < 30 ? people(i % 2 ? 5 : 6) : people(i % 2 ? 4 : 6)));
    expect(fired).toHaveLength(1);
  });

  it('re-arms after the crowd dispersed for clear_seconds', () => {
    const fired = run(engineWith(rules), 50, (i) => (i < 15 || i >= 30 ? people(6) : people(2)));
    expect(fired.map((f) => f.i)).toEqual([6, 35]);
  });
});

describe('abandoned object', () => {
  const rules = { left: { type: 'abandoned_object', zone: 'plaza', params: { seconds: 10, owner_distance: 100 } } };
  const bag = (id = 50) => ({ id, cls: 'backpack', bbox: at(300, 300, 30, 30) });

  it('owner leaves: fires N seconds after, once per object', () => {
    const fired = run(engineWith(rules), 40, (i) => [bag(), ...(i < 5 ? [{ id: 1, bbox: at(320, 310) }] : i < 8 ? [{ id: 1, bbox: at(600, 300) }] : [])]);
    expect(fired.map((f) => f.i)).toEqual([15]); // owner away from frame 5
    expect(fired[0]!.t.title).toBe('Backpack left unattended in Plaza for 10 s');
    expect(fired[0]!.t.details.owner_track_id).toBe(1);
    expect(fired[0]!.t.severity).toBe('high');
  });

  it('owner staying next to it: nothing', () => {
    expect(run(engineWith(rules), 40, () => [bag(), { id: 1, bbox: at(330, 300) }])).toHaveLength(0);
  });

  it('another person near it does not count as the owner', () => {
    const fired = run(engineWith(rules), 30, (i) => [bag(), i < 3 ? { id: 1, bbox: at(320, 300) } : { id: 2, bbox: at(320, 300) }]);
    expect(fired.map((f) => f.i)).toEqual([13]);
  });

  it('an object carried around (moving) does not fire; a new track id at the same place is the same object', () => {
    expect(run(engineWith(rules), 30, (i) => [{ id: 50, cls: 'suitcase', bbox: at(150 + i * 10, 300, 30, 30) }])).toHaveLength(0);
    const fired = run(engineWith(rules), 30, (i) => [bag(i < 8 ? 50 : 51)]);
    expect(fired.map((f) => [f.i, f.t.key])).toEqual([[10, `cam:rule:left:50:${Date.parse('2025-01-20T12:00:00Z')}`]]);
  });

  it('a person is never an abandoned object', () => {
    expect(run(engineWith(rules), 30, () => [{ id: 1, bbox: IN }])).toHaveLength(0);
  });
});

describe('replace (hot reload)', () => {
  const rules = { loiter: { type: 'loitering', zone: 'plaza', params: { seconds: 10 } }, in: { type: 'zone_enter', zone: 'plaza' } };

  it('keeps the state of unchanged rules, resets changed ones, drops removed ones', () => {
    const e = engineWith(rules);
    run(e, 6, () => [{ id: 1, bbox: IN }]);
    e.replace(ruleSet({ cameras: { cam: { zones: { plaza: { name: 'Plaza', polygon: SQUARE } }, rules: { ...rules, extra: { type: 'zone_presence', zone: 'plaza', params: { min_seconds: 20 } } } } } }));
    const fired = run(e, 10, () => [{ id: 1, bbox: IN }], undefined, 6);
    // loitering still counts from frame 0; zone_enter does not fire again (zone state kept)
    expect(fired.map((f) => [f.t.ruleId, f.i])).toEqual([['loiter', 10]]);
  });

  it('a changed zone polygon starts its zone (and its rules) afresh', () => {
    const e = engineWith(rules);
    run(e, 6, () => [{ id: 1, bbox: IN }]);
    e.replace(ruleSet({ cameras: { cam: { zones: { plaza: { name: 'Plaza', polygon: [[0, 0], [600, 0], [600, 600], [0, 600]] } }, rules } } }));
    const fired = run(e, 12, () => [{ id: 1, bbox: IN }], undefined, 6);
    expect(fired.map((f) => [f.t.ruleId, f.i])).toEqual([['in', 7], ['loiter', 16]]);
  });
});

describe('replay', () => {
  it('a fresh engine fed the same frames yields the same trigger keys', () => {
    const rules = { loiter: { type: 'loitering', zone: 'plaza', params: { seconds: 5 } }, in: { type: 'zone_enter', zone: 'plaza' } };
    const keys = () => run(engineWith(rules), 20, (i) => [{ id: 1, bbox: i % 10 < 7 ? IN : OUT }]).map((f) => f.t.key);
    expect(keys().length).toBeGreaterThan(2);
    expect(keys()).toEqual(keys());
  });
});
