import { buildChannels, siteRender } from '../notify/build.ts';
import type { Channel } from '../notify/channels/types.ts';
import { channelSender, type Render } from '../notify/deliver.ts';
import { Notifier } from '../notify/notifier.ts';
import { metrics } from '../core/metrics.ts';
import { LiveRecipients } from '../settings/recipients.ts';
import type { RoleContext, RunningRole } from './context.ts';

export interface NotifyRoleOptions {
  /** default: the channels configured in config.notifications */
  channels?: Channel[];
  /** default: src/notify/render.ts in the camera's site time zone */
  render?: Render;
  /** tests: how often the queue is polled (default 1 s) */
  pollMs?: number;
}

const PENDING_GAUGE_MS = 15_000;

/**
 * The notify role: alerts.critical → deliveries (routing, rate limits) → channels, with retries,
 * dead letters and the local alarm hook (src/notify/). Channels are closed when it stops.
 */
export async function startNotify(ctx: RoleContext, opts: NotifyRoleOptions = {}): Promise<RunningRole> {
  const config = ctx.loaded.config.notifications;
  const log = ctx.log.child({ component: 'notify' });
  const channels = opts.channels ?? buildChannels(ctx.loaded, { pushSubscriptions: ctx.repos.pushSubscriptions, log, cameraStatus: (id) => ctx.cameraStatus.get(id) });
  const render = opts.render ?? siteRender(ctx.loaded);
  const senders = Object.fromEntries(channels.map((c) => [c.kind, channelSender(c, render, ctx.objects)]));
  const recipients = new LiveRecipients(ctx.settings, config.recipients);
  const unfollow = await recipients.follow((err) => log.error({ err }, 'recipients not reloaded; the previous ones stay in force'));
  const notifier = new Notifier({ bus: ctx.bus, repo: ctx.repos.notifications, config, recipients: () => recipients.list(), senders, log, pollMs: opts.pollMs });
  await notifier.start();
  const gauge = setInterval(() => {
    void ctx.repos.notifications.summary(new Date()).then((s) => metrics.notificationsPending.set(s.pending), (err: unknown) => log.warn({ err }, 'pending notifications unreadable'));
  }, PENDING_GAUGE_MS);
  gauge.unref();
  ctx.health.set('notify', 'healthy');
  log.info({ channels: channels.map((c) => c.kind), recipients: recipients.list().length, local_alarm: Boolean(config.local_alarm) }, 'notifier started');
  return {
    name: 'notify',
    stop: async () => {
      clearInterval(gauge);
      unfollow();
      await notifier.stop();
      for (const c of channels) await c.close().catch((err: unknown) => log.warn({ err, channel: c.kind }, 'channel did not close cleanly'));
      ctx.health.set('notify', 'stopped');
    },
  };
}
