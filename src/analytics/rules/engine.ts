import type { DetectionMessage } from '../../core/types.ts';
import type { Evaluator } from './evaluators.ts';
import { createEvaluator } from './evaluators.ts';
import type { Crossing, Frame, Seen, ZoneFrame } from './frame.ts';
import { bottomCentre } from './geometry.ts';
import { LineCrossing } from './lines.ts';
import { assertTimeZone, isNight, localTime, scheduleActive } from './schedule.ts';
import type { CameraRules, RuleSet } from './schema.ts';
import type { RuleSpec } from './trigger.ts';
import type { RuleTrigger } from './types.ts';
import { ZoneMembership } from './zones.ts';

export interface RulesEngineOptions {
  /** site time zone (IANA) for night mode and schedules */
  timezone: string;
  /** per-camera time zone where cameras belong to sites in different zones */
  cameraTimezones?: Record<string, string>;
}

/** Parts are kept across replace() while their definition (this signature) is unchanged. */
interface Part<T> { sig: string; value: T }

interface CameraState {
  zones: Map<string, Part<ZoneMembership>>;
  lines: Map<string, Part<LineCrossing>>;
  rules: Map<string, Part<{ spec: RuleSpec; evaluator: Evaluator }>>;
  lastSeen: Map<number, number>;
  last?: { ts: number; seq: number };
}

export class RuleInputError extends Error {}

function specOf(cameraId: string, id: string, cam: CameraRules): RuleSpec {
  const rule = cam.rules[id]!;
  const base = { id, cameraId, rule, name: rule.name ?? id };
  if (rule.type === 'line_cross') {
    const line = cam.lines[rule.line]!;
    return { ...base, place: { kind: 'line', id: rule.line, name: line.name ?? rule.line, weight: line.weight }, classes: new Set(rule.classes ?? line.classes), direction: line.direction };
  }
  const zone = rule.zone === undefined ? undefined : cam.zones[rule.zone]!;
  return {
    ...base,
    place: zone && { kind: 'zone', id: rule.zone!, name: zone.name ?? rule.zone!, weight: zone.weight },
    classes: new Set(rule.classes ?? zone?.classes ?? ['person']),
  };
}

function reuse<T>(old: Map<string, Part<T>> | undefined, id: string, sig: string, make: () => T): Part<T> {
  const prev = old?.get(id);
  return prev?.sig === sig ? prev : { sig, value: make() };
}

/**
 * Evaluates the rule set on ai.detections, one camera's frames in capture order. State is per
 * camera and depends only on the message sequence, so replaying a camera's recent detections into
 * a fresh engine rebuilds it (and yields the same trigger keys). Frames older than the last one of
 * their camera (a redelivery) are ignored.
 */
export class RulesEngine {
  private rules!: RuleSet;
  private readonly cameras = new Map<string, CameraState>();

  constructor(rules: RuleSet, private readonly opts: RulesEngineOptions) {
    for (const tz of [opts.timezone, ...Object.values(opts.cameraTimezones ?? {})]) assertTimeZone(tz);
    this.replace(rules);
  }

  /** Hot reload: zones, lines and rules whose definition is unchanged keep their state. */
  replace(rules: RuleSet): void {
    this.rules = rules;
    for (const [cameraId, old] of [...this.cameras]) {
      if (!rules.cameras[cameraId]) this.cameras.delete(cameraId);
      else this.cameras.set(cameraId, this.build(cameraId, rules.cameras[cameraId], old));
    }
  }

  process(msg: DetectionMessage): RuleTrigger[] {
    const cam = this.rules.cameras[msg.camera_id];
    if (!cam) return [];
    const ts = Date.parse(msg.timestamp);
    if (!Number.isFinite(ts)) throw new RuleInputError(`camera ${msg.camera_id}: ai.detections frame ${msg.frame_seq} has an invalid timestamp ${JSON.stringify(msg.timestamp)}`);
    let state = this.cameras.get(msg.camera_id);
    if (!state) this.cameras.set(msg.camera_id, (state = this.build(msg.camera_id, cam)));
    if (state.last && (ts < state.last.ts || (ts === state.last.ts && msg.frame_seq <= state.last.seq))) return [];
    state.last = { ts, seq: msg.frame_seq };

    const seen: Seen[] = [];
    for (const d of msg.detections) {
      if (d.track_id === undefined) continue;
      seen.push({ trackId: d.track_id, cls: d.class, bbox: d.bbox, confidence: d.confidence, feet: bottomCentre(d.bbox) });
      state.lastSeen.set(d.track_id, ts);
    }
    this.expire(state, ts);

    const local = localTime(new Date(ts), this.opts.cameraTimezones?.[msg.camera_id] ?? this.opts.timezone);
    const night = this.rules.night;
    const zones = new Map<string, ZoneFrame>();
    for (const [id, z] of state.zones) zones.set(id, { membership: z.value, ...z.value.update(seen, ts) });
    const crossings = new Map<string, Crossing[]>();
    for (const [id, l] of state.lines) crossings.set(id, l.value.update(seen));
    const frame: Frame = {
      cameraId: msg.camera_id, ts, night: isNight(local, night), nightConfig: night, seen,
      byTrack: new Map(seen.map((s) => [s.trackId, s])), zones, crossings,
    };
    const out: RuleTrigger[] = [];
    for (const { value: r } of state.rules.values()) out.push(...r.evaluator.evaluate(frame, scheduleActive(r.spec.rule.schedule, local, night)));
    return out;
  }

  private build(cameraId: string, cam: CameraRules, old?: CameraState): CameraState {
    const zones = new Map(Object.entries(cam.zones).map(([id, z]) => [id, reuse(old?.zones, id, JSON.stringify(z), () => new ZoneMembership(z))]));
    const lines = new Map(Object.entries(cam.lines).map(([id, l]) => [id, reuse(old?.lines, id, JSON.stringify(l), () => new LineCrossing(l))]));
    const rules = new Map(Object.keys(cam.rules).map((id) => {
      const spec = specOf(cameraId, id, cam);
      const rule = spec.rule;
      const place = rule.type === 'line_cross' ? cam.lines[rule.line] : rule.zone === undefined ? undefined : cam.zones[rule.zone];
      return [id, reuse(old?.rules, id, JSON.stringify([rule, place]), () => ({ spec, evaluator: createEvaluator(spec) }))];
    }));
    return { zones, lines, rules, lastSeen: old?.lastSeen ?? new Map(), last: old?.last };
  }

  /** Tracks unseen for track_expiry_seconds are forgotten everywhere (bounded memory). */
  private expire(state: CameraState, ts: number): void {
    const before = ts - this.rules.track_expiry_seconds * 1000;
    for (const [trackId, at] of state.lastSeen) {
      if (at >= before) continue;
      state.lastSeen.delete(trackId);
      for (const z of state.zones.values()) z.value.forget(trackId);
      for (const l of state.lines.values()) l.value.forget(trackId);
      for (const r of state.rules.values()) r.value.evaluator.forget(trackId);
    }
  }
}
