import { RulesEngine, type RulesEngineOptions } from '../analytics/rules/engine.ts';
import { referenceError, type CameraRules, type Line, type Rule, type Zone } from '../analytics/rules/schema.ts';
import type { Caller } from '../core/actor.ts';
import { invalid } from '../core/errors.ts';
import type { RulesWindowRepo, WindowPosition } from '../store/repositories/rules-window.ts';
import { polygonProblem } from './geometry.ts';
import type { RuleSetSettings } from './rules.ts';
import type { ConfigService } from './service.ts';

export interface DryRunRequest {
  camera: string;
  rule: Rule;
  /** drafted zones and lines: they replace stored ones of the same id */
  zones: Record<string, Zone>;
  lines: Record<string, Line>;
  hours: number;
}

export interface DryRunOutcome {
  camera: string;
  from: Date;
  to: Date;
  frames: number;
  first_frame: Date | null;
  last_frame: Date | null;
  count: number;
  times: Date[];
  per_hour: { hour: Date; count: number }[];
}

export interface DryRunDeps {
  config: ConfigService;
  frames: Pick<RulesWindowRepo, 'cameraFrames'>;
  /** night mode and track expiry, as the analytics role runs them */
  ruleSettings: () => RuleSetSettings;
  engine: RulesEngineOptions;
}

const PAGE = 2000;
const MAX_TIMES = 500;
const HOUR_MS = 3600_000;
const DRY_RUN_ID = 'dry_run';

/**
 * How often a drafted rule would have fired: the camera's stored analysed frames of the last
 * `hours` (the rules window keeps rules.dry_run_hours of them) replayed through a fresh rules
 * engine holding only that rule, with the camera's zones and lines as drafted. Nothing is written
 * and the running engine is untouched.
 */
export async function dryRunRule(deps: DryRunDeps, caller: Caller, req: DryRunRequest, now = new Date()): Promise<DryRunOutcome> {
  const stored = async (kind: 'zone' | 'line') => Object.fromEntries((await deps.config.list(caller, kind, req.camera)).map((o) => [o.id, o.definition]));
  await deps.config.checkCamera(caller, req.camera);
  for (const [id, z] of Object.entries(req.zones)) {
    const problem = polygonProblem(z.polygon);
    if (problem) throw invalid(`zones.${id}.polygon: ${problem}`);
  }
  const cam: CameraRules = {
    zones: { ...(await stored('zone')) as Record<string, Zone>, ...req.zones },
    lines: { ...(await stored('line')) as Record<string, Line>, ...req.lines },
    // the engine's trigger is what counts here: test mode would still fire, an alert is not needed
    rules: { [DRY_RUN_ID]: { ...req.rule, test_mode: false } },
  };
  const ref = referenceError(req.rule, cam);
  if (ref) throw invalid(`rule.${ref.path}: ${ref.message}`);

  const engine = new RulesEngine({ ...deps.ruleSettings(), cameras: { [req.camera]: cam } }, deps.engine);
  const from = new Date(now.getTime() - req.hours * HOUR_MS);
  const perHour = new Array<number>(Math.ceil(req.hours)).fill(0);
  const times: Date[] = [];
  let count = 0;
  let frames = 0;
  let first: Date | null = null;
  let newest: Date | null = null;
  let last: WindowPosition | null = null;
  for (;;) {
    const page = await deps.frames.cameraFrames(req.camera, from, now, last, PAGE);
    for (const f of page) {
      first ??= f.at;
      newest = f.at;
      for (const t of engine.process(f.message)) {
        count++;
        if (times.length < MAX_TIMES) times.push(t.at);
        const hour = Math.min(perHour.length - 1, Math.floor((t.at.getTime() - from.getTime()) / HOUR_MS));
        perHour[hour] = perHour[hour]! + 1;
      }
    }
    frames += page.length;
    if (page.length < PAGE) break;
    last = page[page.length - 1]!;
  }
  return {
    camera: req.camera, from, to: now, frames, first_frame: first, last_frame: newest, count, times,
    per_hour: perHour.map((n, i) => ({ hour: new Date(from.getTime() + i * HOUR_MS), count: n })),
  };
}
