import path from 'node:path';
import { EscalationScheduler } from '../alerts/escalation.ts';
import type { Clock } from '../alerts/clock.ts';
import { OutboxRelay } from '../alerts/outbox-relay.ts';
import { RuleProcessor, rulesWindowMs } from '../alerts/rule-processor.ts';
import { TriggerSnapshots } from '../alerts/trigger-evidence.ts';
import { RulesEngine } from '../analytics/rules/engine.ts';
import { formatRuleError, openConfiguredRules, type LoadedRules, type RuleError } from '../analytics/rules/load.ts';
import type { RuleSet } from '../analytics/rules/schema.ts';
import { TrackEventWriter } from '../analytics/track-events.ts';
import { metrics } from '../core/metrics.ts';
import { TOPICS, type DetectionMessage } from '../core/types.ts';
import type { Caller } from '../core/actor.ts';
import { RULE_OBJECT_KINDS, ruleSetEntries, ruleSetOf, type RuleSetSettings } from '../settings/rules.ts';
import { ensureEventPartitions } from '../store/open.ts';
import { configKeyString, type ConfigKey } from '../store/repositories/config-objects.ts';
import { rulesWindowRepo } from '../store/repositories/rules-window.ts';
import { apiPublicUrl, type RoleContext, type RunningRole } from './context.ts';
import { Leadership } from './leadership.ts';
import { rulesEngineOptions } from './rules-runtime.ts';

const GROUP = 'analytics-events';
const PARTITION_UPKEEP_MS = 24 * 3600_000;
const WINDOW_PRUNE_MS = 60_000;
const ANALYTICS: Caller = { kind: 'system', id: 0, name: 'analytics', cameras: null };

export interface AnalyticsOptions {
  /** rules instead of the config's `rules` section (tests); no file watching then */
  rules?: RuleSet;
  /** time source of escalation and the outbox relay (tests advance it) */
  clock?: Clock;
  outboxIntervalMs?: number;
}

/**
 * Consumes ai.detections: one event per track (TrackEventWriter), and the rules engine whose
 * triggers become events and alerts (with their outbox message, one transaction each). Runs the
 * outbox relay (→ alerts.critical) and the escalation scheduler of the alerts it writes.
 *
 * The engine runs the zones, lines and rules of the configuration store: the YAML's (inline and the
 * rules file, also on every edit of the file) are applied to the store first, and every change
 * stored through the API replaces the engine's rule set as it is stored.
 *
 * Rule state after a restart: every frame is kept in the rules window (table rules_window, the
 * longest rule duration + margin) and replayed through a fresh engine on start; the trigger keys
 * make re-fired triggers no-ops (see RuleProcessor). A checkpoint in the database rather than a
 * bus replay, because the one-box memory bus does not survive a restart.
 *
 * Late detections (catch-up of recorded frames live analysis skipped) are behind the live ones
 * in capture time, so they go through rule state of their own: a second engine that sees each
 * camera's late stream in capture order. Their events and alerts are marked late. That state is
 * not kept in the rules window: after a restart catch-up starts a new run (new tracks) anyway.
 */
export async function startAnalytics(ctx: RoleContext, opts: AnalyticsOptions = {}): Promise<RunningRole> {
  const { config, cameras, source } = ctx.loaded;
  const log = ctx.log.child({ component: 'analytics' });
  const window = rulesWindowRepo(ctx.store);
  const writer = new TrackEventWriter(ctx.repos.events, ctx.objects, {
    rejoinIou: config.tracking.rejoin_iou, rejoinSeconds: config.tracking.rejoin_seconds, rejoinStillSeconds: config.tracking.rejoin_still_seconds,
  }, log);

  const logRuleErrors = (errors: readonly RuleError[]) => {
    // a broken rule is left out with its reason; the other rules run
    for (const e of errors) log.error({ path: e.path }, `rule not loaded: ${formatRuleError(e)}`);
  };
  // The YAML's zones, lines and rules go into the configuration store (an entry unchanged since
  // the last start keeps any edit made through the API); the engine runs what the store holds.
  const applyFile = async (loaded: LoadedRules) => {
    logRuleErrors(loaded.errors);
    ruleSettings = { night: loaded.rules.night, track_expiry_seconds: loaded.rules.track_expiry_seconds };
    await ctx.settings.applyFile(ruleSetEntries(loaded.rules));
  };
  const configured = opts.rules
    ? { rules: opts.rules, errors: [], close: () => {} }
    : openConfiguredRules(config.rules, {
      configDir: path.dirname(path.resolve(source)), cameras: cameras.map((c) => c.id),
      onChange: (loaded) => void applyFile(loaded).then(() => apply('rules file changed'), (err: unknown) => log.error({ err }, `rules file change not stored, previous rules kept: ${(err as Error).message}`)),
      onError: (err) => log.error({ err }, `rules file change rejected, previous rules kept: ${err.message}`),
    });
  let ruleSettings: RuleSetSettings = { night: configured.rules.night, track_expiry_seconds: configured.rules.track_expiry_seconds };
  await applyFile(configured);
  const stored = new Map<string, ConfigKey & { definition: unknown }>();
  for (const kind of RULE_OBJECT_KINDS) for (const o of await ctx.settings.list(ANALYTICS, kind)) stored.set(configKeyString(o), o);
  const current = () => {
    const r = ruleSetOf([...stored.values()], ruleSettings);
    logRuleErrors(r.errors);
    return r.rules;
  };
  const initial = current();
  const engineOptions = rulesEngineOptions(ctx.loaded);
  const engine = new RulesEngine(initial, engineOptions);
  const lateEngine = new RulesEngine(initial, engineOptions);
  let windowMs = rulesWindowMs(initial);
  const keepMs = () => Math.max(windowMs, config.rules.dry_run_hours * 3600_000);
  // hot reload: rules whose definition is unchanged keep their state (RulesEngine.replace)
  function apply(why: string): void {
    const rules = current();
    engine.replace(rules);
    lateEngine.replace(rules);
    windowMs = rulesWindowMs(rules);
    log.info({ cameras: Object.keys(rules.cameras).length }, `rules reloaded: ${why}`);
  }
  // a change stored through the API applies before its call returns, so from the next frame on
  const unsubscribe = ctx.settings.onChange((c) => {
    if (!(RULE_OBJECT_KINDS as readonly string[]).includes(c.kind)) return;
    if (c.definition === null) stored.delete(configKeyString(c));
    else stored.set(configKeyString(c), c);
    apply(`${c.kind} ${c.id} of camera ${c.scope} ${c.definition === null ? 'deleted' : `changed to version ${c.version}`} by ${c.by}`);
  });

  // the relay runs in the one analytics process that leads 'outbox-relay'; the others' writes wait at most its interval
  let relay: OutboxRelay | null = null;
  const nudgeRelay = (): void => relay?.nudge();
  const triggerSnapshots = new TriggerSnapshots(ctx.objects, log);
  const processor = new RuleProcessor(engine, ctx.repos.alerts, window, triggerSnapshots, log, nudgeRelay);
  const lateProcessor = new RuleProcessor(lateEngine, ctx.repos.alerts, { append: async () => {} }, triggerSnapshots, log, nudgeRelay, true);

  // rebuild rule state from the window before consuming
  const newest = await window.newest();
  if (newest) {
    const frames = await window.since(new Date(newest.getTime() - windowMs));
    processor.warmUp(frames);
    for (const cam of processor.pendingCameras()) {
      await processor.flush(cam).catch((err: unknown) => log.warn({ err, camera_id: cam }, 'rule triggers from the restart replay not written yet; retried with the next frame'));
    }
    log.info({ frames: frames.length }, 'rule state rebuilt from the rules window');
  }

  await ctx.bus.ensureTopic(TOPICS.aiDetections);
  await ctx.bus.ensureTopic(TOPICS.alertsCritical);
  // PGlite's lockfile lets one process at a time use the database, so the one box may name itself the same
  // after a restart and take its own unexpired leases back at once instead of waiting them out
  const holder = ctx.store.kind === 'pglite' ? 'one-box' : undefined;
  const leadership = new Leadership(ctx.repos.leases, log, { ttlMs: config.leadership.lease_seconds * 1000, holder });
  const duties = [
    await leadership.lead('outbox-relay', async () => {
      const r = new OutboxRelay(ctx.bus, ctx.repos.alerts, log, { publicUrl: apiPublicUrl(config), clock: opts.clock, intervalMs: opts.outboxIntervalMs });
      relay = r;
      r.start();
      return async () => {
        relay = null;
        await r.stop();
        // last pass: alerts written by the final frames leave before the bus closes
        await r.pass().catch((err: unknown) => log.warn({ err }, 'outbox not drained at stop; published by the next leader'));
      };
    }),
    await leadership.lead('escalation', async () => {
      const escalation = new EscalationScheduler(ctx.repos.alerts, log, {
        afterMinutes: config.alerts.escalate_after_minutes, to: config.alerts.escalate_to,
        checkIntervalMs: config.alerts.escalation_check_seconds * 1000, clock: opts.clock, onEscalated: nudgeRelay,
      });
      escalation.start();
      return () => escalation.stop();
    }),
    // monthly event partitions ahead of time; rows never fail without them (default partition)
    await leadership.lead('event-partitions', async () => {
      const upkeep = setInterval(() => void ensureEventPartitions(ctx.store).catch((err: unknown) => log.warn({ err }, 'event partition upkeep failed')), PARTITION_UPKEEP_MS);
      return async () => clearInterval(upkeep);
    }),
  ];
  const sub = await ctx.bus.subscribe<DetectionMessage>({
    topic: TOPICS.aiDetections, group: GROUP,
    handler: async (rec) => {
      // a failed write throws: the bus redelivers this camera's record (DLQ after 5), other partitions go on
      await (rec.value.late ? lateProcessor : processor).handle(rec.value);
      await writer.handle(rec.value);
    },
  });
  const lagTimer = setInterval(() => {
    void ctx.bus.lag(TOPICS.aiDetections, GROUP).then((lag) => metrics.consumerLag.set({ topic: TOPICS.aiDetections, group: GROUP }, lag));
  }, 5000);
  const pruneTimer = setInterval(() => {
    void window.newest()
      .then((at) => (at ? window.prune(new Date(at.getTime() - keepMs())) : 0))
      .catch((err: unknown) => log.warn({ err }, 'rules window prune failed'));
  }, WINDOW_PRUNE_MS);
  ctx.health.set('analytics', 'healthy');
  return {
    name: 'analytics',
    stop: async () => {
      clearInterval(lagTimer);
      clearInterval(pruneTimer);
      configured.close();
      unsubscribe();
      await sub.stop();
      // escalation before the relay: its last escalations leave with the relay's last pass
      for (const duty of duties.slice().reverse()) await duty.stop();
      ctx.health.set('analytics', 'stopped');
    },
  };
}
