import { TrackEventWriter } from '../analytics/track-events.ts';
import { metrics } from '../core/metrics.ts';
import { TOPICS, type DetectionMessage } from '../core/types.ts';
import { ensureEventPartitions } from '../store/open.ts';
import type { RoleContext, RunningRole } from './context.ts';

const GROUP = 'analytics-events';
const PARTITION_UPKEEP_MS = 24 * 3600_000;

/** Consumes ai.detections and keeps one event per track in the store. */
export async function startAnalytics(ctx: RoleContext): Promise<RunningRole> {
  const writer = new TrackEventWriter(ctx.repos.events);
  await ctx.bus.ensureTopic(TOPICS.aiDetections);
  const sub = await ctx.bus.subscribe<DetectionMessage>({
    topic: TOPICS.aiDetections, group: GROUP,
    handler: async (rec) => {
      await writer.handle(rec.value);
    },
  });
  const lagTimer = setInterval(() => {
    void ctx.bus.lag(TOPICS.aiDetections, GROUP).then((lag) => metrics.consumerLag.set({ topic: TOPICS.aiDetections, group: GROUP }, lag));
  }, 5000);
  // Monthly event partitions ahead of time; rows never fail without them (default partition).
  const upkeep = setInterval(() => void ensureEventPartitions(ctx.store).catch((err: unknown) => ctx.log.warn({ err }, 'event partition upkeep failed')), PARTITION_UPKEEP_MS);
  ctx.health.set('analytics', 'healthy');
  return {
    name: 'analytics',
    stop: async () => {
      clearInterval(lagTimer);
      clearInterval(upkeep);
      await sub.stop();
      ctx.health.set('analytics', 'stopped');
    },
  };
}
