import { describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../config/load.ts';
import { redact } from '../core/redact.ts';
import { rootLogger } from '../core/log.ts';
import type { PushSubscriptionRepo } from '../store/repositories/push-subscriptions.ts';
import { buildChannels, siteRender } from './build.ts';
import { generateVapidKeys } from './channels/push.ts';
import { alertMessage } from './test-helpers.ts';

describe('notification channels from the config', () => {
  const vapid = generateVapidKeys();
  const loaded = resolveConfig({
    sites: [{ id: 'main', timezone: 'Asia/Kolkata', cameras: [{ id: 'cam_001', url: 'rtsp://10.0.0.9/s' }] }],
    notifications: {
      email: { host: 'smtp.example.com', username: 'vigil', from: 'vigil@example.com' },
      webhooks: [{ id: 'ha', url: 'https://ha.example.com/hook' }],
      push: { subject: 'mailto:ops@example.com', public_key: vapid.publicKey },
      mqtt: { url: 'mqtt://127.0.0.1:1', username: 'vigil' },
    },
  }, 'test', { VIGIL_SMTP_PASSWORD: 'smtp-pw-123', VIGIL_WEBHOOK_HA_SECRET: 'hook-secret-456' });

  it('builds the configured channels with their secrets from the environment, masked in logs', async () => {
    const deps = { pushSubscriptions: {} as PushSubscriptionRepo, log: rootLogger };
    const env = { VIGIL_SMTP_PASSWORD: 'smtp-pw-123', VIGIL_WEBHOOK_HA_SECRET: 'hook-secret-456', VIGIL_VAPID_PRIVATE_KEY: vapid.privateKey, VIGIL_MQTT_PASSWORD: 'mqtt-pw-789' };
    const channels = buildChannels(loaded, deps, env);
    expect(channels.map((c) => c.kind)).toEqual(['email', 'webhook', 'push', 'mqtt']);
    expect(redact('auth smtp-pw-123 and hook-secret-456, mqtt-pw-789')).toBe('auth *** and ***, ***');
    for (const c of channels) await c.close();
  });

  it('leaves out a channel whose secret is missing, naming the variable', async () => {
    const log = rootLogger.child({ test: 'secrets' });
    const error = vi.spyOn(log, 'error');
    const channels = buildChannels(loaded, { pushSubscriptions: {} as PushSubscriptionRepo, log }, { VIGIL_SMTP_PASSWORD: 'smtp-pw-123' });
    expect(channels.map((c) => c.kind)).toEqual(['email', 'mqtt']);
    expect(error.mock.calls.map((c) => c[1])).toEqual([
      'webhook ha disabled: VIGIL_WEBHOOK_HA_SECRET (or VIGIL_WEBHOOK_HA_SECRET_FILE) is not set',
      'push disabled: VIGIL_VAPID_PRIVATE_KEY (or VIGIL_VAPID_PRIVATE_KEY_FILE) is not set',
    ]);
    for (const c of channels) await c.close();
  });

  it('renders alerts in the time zone of the camera\'s site', async () => {
    const n = await siteRender(loaded)(alertMessage({ at: '2025-01-20T20:00:00.000Z' }));
    expect(n.text).toMatch(/01:30/); // 20:00 UTC = 01:30 IST
  });
});
