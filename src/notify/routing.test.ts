import { describe, expect, it } from 'vitest';
import { LOCAL_ALARM, routesFor } from './routing.ts';
import { alertMessage, notificationsConfig } from './test-helpers.ts';
import { notificationsSchema } from './config.ts';

const config = notificationsConfig({
  recipients: [
    { name: 'guard', channels: ['sms', 'email'], phone: '+15550001111', email: 'Guard@Example.com', min_severity: 'medium' },
    { name: 'boss', channels: ['email', 'push'], email: 'boss@example.com', min_severity: 'critical', admin: true },
    { name: 'gate-only', channels: ['webhook'], webhooks: ['ha', 'siem'], min_severity: 'low', cameras: ['cam_gate'] },
  ],
  local_alarm: { command: ['/bin/true'] },
});
const who = (routes: ReturnType<typeof routesFor>) => routes.map((r) => `${r.recipient}/${r.channel}/${r.target}`);

describe('notification routing', () => {
  it('sends a new alert to every recipient whose min severity it reaches, on each of their channels', () => {
    expect(who(routesFor(alertMessage({ severity: 'high' }), config))).toEqual(['guard/sms/+15550001111', 'guard/email/Guard@Example.com']);
    expect(who(routesFor(alertMessage({ severity: 'low' }), config))).toEqual([]);
    expect(who(routesFor(alertMessage({ severity: 'critical' }), config))).toEqual([
      'guard/sms/+15550001111', 'guard/email/Guard@Example.com', 'boss/email/boss@example.com', 'boss/push/boss', `local/${LOCAL_ALARM}/-`,
    ]);
  });

  it('honours camera filters and sends a webhook recipient one delivery per endpoint', () => {
    expect(who(routesFor(alertMessage({ severity: 'low', camera_id: 'cam_gate' }), config))).toEqual(['gate-only/webhook/ha', 'gate-only/webhook/siem']);
  });

  it('sends escalations to the admin recipients only, without the local alarm again', () => {
    expect(who(routesFor(alertMessage({ kind: 'escalation', severity: 'critical' }), config))).toEqual(['boss/email/boss@example.com', 'boss/push/boss']);
  });

  it('rate-limits SMS per phone and email per (case-folded) address with the configured limits', () => {
    const [sms, email] = routesFor(alertMessage({ severity: 'high' }), config);
    expect(sms!.limit).toEqual({ rateKey: 'sms:+15550001111', max: 1, windowMs: 300_000 });
    expect(email!.limit).toEqual({ rateKey: 'email:guard@example.com', max: 10, windowMs: 3_600_000 });
  });

  it('rejects recipients on unconfigured channels or unknown webhook endpoints, naming them', () => {
    const r = notificationsSchema.safeParse({ recipients: [{ name: 'x', channels: ['sms', 'webhook'], phone: '+15550001111', webhooks: ['nope'] }] });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toContain('recipients.0.webhooks: no webhook endpoint "nope" in notifications.webhooks');
    expect(messages).toContain('recipients.0.channels: channel sms is not configured (notifications.sms)');
    expect(notificationsSchema.safeParse({ recipients: [{ name: 'x', channels: ['email'] }] }).error?.issues[0]?.message).toBe('the email channel needs an email address');
  });
});
