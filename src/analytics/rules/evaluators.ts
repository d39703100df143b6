import type { Frame, Seen } from './frame.ts';
import { centre, distance } from './geometry.ts';
import { iou } from '../../core/geometry.ts';
import type { Rule } from './schema.ts';
import type { RuleSpec } from './trigger.ts';
import { capitalise, formatDuration, makeTrigger, placeName } from './trigger.ts';
import type { RuleTrigger } from './types.ts';

/** State and logic of one rule; state comes only from the frames it is given. */
export interface Evaluator {
  evaluate(f: Frame, active: boolean): RuleTrigger[];
  forget(trackId: number): void;
}

type RuleOf<T extends Rule['type']> = Extract<Rule, { type: T }>;

const nightScaled = (seconds: number, f: Frame) => seconds * (f.night ? f.nightConfig.time_factor : 1) * 1000;

function zoneOf(spec: RuleSpec, f: Frame) {
  const z = f.zones.get(spec.place!.id);
  if (!z) throw new Error(`rule ${spec.id}: zone ${spec.place!.id} is not evaluated`);
  return z;
}

/** zone_enter / zone_exit: one trigger per confirmed transition (inertia applied by the zone). */
class TransitionRule implements Evaluator {
  constructor(private readonly spec: RuleSpec, private readonly kind: 'entered' | 'exited') {}

  evaluate(f: Frame, active: boolean): RuleTrigger[] {
    if (!active) return [];
    const out: RuleTrigger[] = [];
    for (const t of zoneOf(this.spec, f)[this.kind]) {
      const s = f.byTrack.get(t.trackId)!;
      if (!this.spec.classes.has(s.cls)) continue;
      const stay = (t.since - t.enteredAt) / 1000;
      out.push(makeTrigger(this.spec, f, {
        occurrence: `${t.trackId}:${t.since}`, startedAt: t.since, subjects: [s],
        durationSeconds: this.kind === 'exited' ? stay : 0,
        title: this.kind === 'entered' ? `${capitalise(s.cls)} entered ${placeName(this.spec)}` : `${capitalise(s.cls)} left ${placeName(this.spec)} after ${formatDuration(stay)}`,
        details: this.kind === 'exited' ? { stay_seconds: Math.round(stay) } : {},
      }));
    }
    return out;
  }

  forget(): void {}
}

/** zone_presence and loitering: a track in the zone for a threshold, once per stay (a stay survives the track being lost and found). */
class DwellRule implements Evaluator {
  /** track id → start of the stay already reported */
  private readonly fired = new Map<number, number>();

  constructor(private readonly spec: RuleSpec, private readonly rule: RuleOf<'zone_presence'> | RuleOf<'loitering'>) {}

  evaluate(f: Frame, active: boolean): RuleTrigger[] {
    const zone = zoneOf(this.spec, f);
    for (const t of zone.exited) this.fired.delete(t.trackId);
    if (!active) return [];
    const out: RuleTrigger[] = [];
    const threshold = this.rule.type === 'loitering' ? nightScaled(this.rule.params.seconds, f) : this.rule.params.min_seconds * 1000;
    for (const s of f.seen) {
      const enteredAt = zone.membership.enteredAt(s.trackId);
      // the feet must be inside now too: a track on its way out (inertia) does not reach the threshold
      if (enteredAt === undefined || !zone.membership.contains(s.feet) || !this.spec.classes.has(s.cls) || f.ts - enteredAt < threshold || this.fired.get(s.trackId) === enteredAt) continue;
      this.fired.set(s.trackId, enteredAt);
      const dwell = (f.ts - enteredAt) / 1000;
      const where = placeName(this.spec);
      out.push(makeTrigger(this.spec, f, {
        occurrence: `${s.trackId}:${enteredAt}`, startedAt: enteredAt, subjects: [s], durationSeconds: dwell,
        ...(this.rule.type === 'loitering'
          ? { title: `${capitalise(s.cls)} loitering in ${where} for ${formatDuration(dwell)}`, details: { threshold_seconds: threshold / 1000 } }
          : { title: `${capitalise(s.cls)} in ${where}${f.night ? ' at night' : ''}`, alert: this.rule.alert || (f.night && this.rule.params.alert_at_night) }),
      }));
    }
    return out;
  }

  forget(trackId: number): void {
    this.fired.delete(trackId);
  }
}

class LineCrossRule implements Evaluator {
  constructor(private readonly spec: RuleSpec, private readonly direction: 'a_to_b' | 'b_to_a' | 'both') {}

  evaluate(f: Frame, active: boolean): RuleTrigger[] {
    if (!active) return [];
    const out: RuleTrigger[] = [];
    for (const c of f.crossings.get(this.spec.place!.id) ?? []) {
      const s = f.byTrack.get(c.trackId)!;
      if (!this.spec.classes.has(s.cls) || (this.direction !== 'both' && this.direction !== `${c.from}_to_${c.to}`)) continue;
      out.push(makeTrigger(this.spec, f, {
        occurrence: `${c.trackId}:${f.ts}`, startedAt: f.ts, subjects: [s], durationSeconds: 0,
        title: `${capitalise(s.cls)} crossed ${placeName(this.spec)} (${c.from} → ${c.to})`, details: { from: c.from, to: c.to },
      }));
    }
    return out;
  }

  forget(): void {}
}

/**
 * More than max_people in the zone for `seconds`, with hysteresis: counts above max_people form a
 * crowd, counts at or below max_people - hysteresis break it, counts in between hold the state.
 * Fires once per crowd; re-arms after the count stayed low for clear_seconds.
 */
class CrowdRule implements Evaluator {
  private formingSince?: number;
  private active = false;
  private lowSince?: number;

  constructor(private readonly spec: RuleSpec, private readonly rule: RuleOf<'crowd'>) {}

  evaluate(f: Frame, scheduled: boolean): RuleTrigger[] {
    const zone = zoneOf(this.spec, f);
    const inside = f.seen.filter((s) => this.spec.classes.has(s.cls) && zone.membership.enteredAt(s.trackId) !== undefined);
    const { max_people: n, hysteresis } = this.rule.params;
    const high = inside.length > n;
    const low = inside.length <= n - hysteresis;
    if (this.active) {
      if (!low) this.lowSince = undefined;
      else if ((this.lowSince ??= f.ts) <= f.ts - this.rule.params.clear_seconds * 1000) this.active = false;
      return [];
    }
    if (low) this.formingSince = undefined;
    else if (high) this.formingSince ??= f.ts;
    if (!scheduled || this.formingSince === undefined || !high || f.ts - this.formingSince < nightScaled(this.rule.params.seconds, f)) return [];
    this.active = true;
    this.lowSince = undefined;
    const started = this.formingSince;
    this.formingSince = undefined;
    const lasted = (f.ts - started) / 1000;
    return [makeTrigger(this.spec, f, {
      occurrence: `crowd:${started}`, startedAt: started, subjects: inside, durationSeconds: lasted,
      title: `Crowd of ${inside.length} in ${placeName(this.spec)} for ${formatDuration(lasted)}`, details: { count: inside.length, max_people: n },
    })];
  }

  forget(): void {}
}

interface Candidate { trackId: number; cls: string; first: Seen['bbox']; firstSeen: number; owner?: number; ownerLeftAt?: number; fired: boolean }

/**
 * A non-person object stationary (IoU with its first position ≥ stationary_iou) for `seconds` after
 * its owner — the nearest person within owner_distance when it appeared — is no longer within
 * owner_distance (or no longer seen). Once per object; an object that moves starts over.
 * An object whose track id changes is found again by its first position.
 */
class AbandonedObjectRule implements Evaluator {
  private readonly candidates = new Map<number, Candidate>();

  constructor(private readonly spec: RuleSpec, private readonly rule: RuleOf<'abandoned_object'>) {}

  evaluate(f: Frame, active: boolean): RuleTrigger[] {
    const p = this.rule.params;
    const zone = this.spec.place ? zoneOf(this.spec, f).membership : undefined;
    const people = f.seen.filter((s) => s.cls === 'person');
    const objects = f.seen.filter((s) => p.objects.includes(s.cls) && (!zone || zone.contains(s.feet)));
    const out: RuleTrigger[] = [];
    for (const o of objects) {
      const c = this.candidates.get(o.trackId) ?? this.rediscover(o, f);
      const ownerNear = (id: number | undefined) => id !== undefined && people.some((q) => q.trackId === id && distance(q.feet, centre(o.bbox)) <= p.owner_distance);
      if (!c || iou(o.bbox, c.first) < p.stationary_iou) {
        const owner = this.nearestPerson(o, people);
        this.candidates.set(o.trackId, { trackId: o.trackId, cls: o.cls, first: o.bbox, firstSeen: f.ts, owner, ownerLeftAt: owner === undefined ? f.ts : undefined, fired: false });
        continue;
      }
      if (ownerNear(c.owner)) c.ownerLeftAt = undefined;
      else c.ownerLeftAt ??= f.ts;
      if (!active || c.fired || c.ownerLeftAt === undefined || f.ts - c.ownerLeftAt < nightScaled(p.seconds, f)) continue;
      c.fired = true;
      const unattended = (f.ts - c.ownerLeftAt) / 1000;
      out.push(makeTrigger(this.spec, f, {
        occurrence: `${c.trackId}:${c.firstSeen}`, startedAt: c.ownerLeftAt, subjects: [o], durationSeconds: unattended,
        title: `${capitalise(o.cls)} left unattended in ${placeName(this.spec)} for ${formatDuration(unattended)}`,
        details: { owner_track_id: c.owner ?? null, first_seen: new Date(c.firstSeen).toISOString() },
      }));
    }
    return out;
  }

  private nearestPerson(o: Seen, people: readonly Seen[]): number | undefined {
    let best: Seen | undefined;
    for (const q of people) if (!best || distance(q.feet, centre(o.bbox)) < distance(best.feet, centre(o.bbox))) best = q;
    return best && distance(best.feet, centre(o.bbox)) <= this.rule.params.owner_distance ? best.trackId : undefined;
  }

  /** The tracker may give a static object a new id after losing it: same class at the same place is the same object. */
  private rediscover(o: Seen, f: Frame): Candidate | undefined {
    for (const [id, c] of this.candidates) {
      if (c.cls !== o.cls || f.byTrack.has(id) || iou(o.bbox, c.first) < this.rule.params.stationary_iou) continue;
      this.candidates.delete(id);
      this.candidates.set(o.trackId, c);
      return c;
    }
    return undefined;
  }

  forget(trackId: number): void {
    this.candidates.delete(trackId);
  }
}

export function createEvaluator(spec: RuleSpec): Evaluator {
  const r = spec.rule;
  switch (r.type) {
    case 'zone_enter': return new TransitionRule(spec, 'entered');
    case 'zone_exit': return new TransitionRule(spec, 'exited');
    case 'zone_presence':
    case 'loitering': return new DwellRule(spec, r);
    case 'line_cross': return new LineCrossRule(spec, spec.direction ?? 'both');
    case 'crowd': return new CrowdRule(spec, r);
    case 'abandoned_object': return new AbandonedObjectRule(spec, r);
  }
}
