import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/load.ts';
import { redact } from '../core/redact.ts';
import { buildChannels, siteRender } from './build.ts';
import { alertMessage } from './test-helpers.ts';

describe('notification channels from the config', () => {
  const loaded = resolveConfig({
    sites: [{ id: 'main', timezone: 'Asia/Kolkata', cameras: [{ id: 'cam_001', url: 'rtsp://10.0.0.9/s' }] }],
    notifications: {
      email: { host: 'smtp.example.com', username: 'vigil', from: 'vigil@example.com' },
      webhooks: [{ id: 'ha', url: 'https://ha.example.com/hook' }],
    },
  }, 'test', { VIGIL_SMTP_PASSWORD: 'smtp-pw-123', VIGIL_WEBHOOK_HA_SECRET: 'hook-secret-456' });

  it('builds the configured channels with their secrets from the environment, masked in logs', async () => {
    const channels = buildChannels(loaded, { VIGIL_SMTP_PASSWORD: 'smtp-pw-123', VIGIL_WEBHOOK_HA_SECRET: 'hook-secret-456' });
    expect(channels.map((c) => c.kind)).toEqual(['email', 'webhook']);
    expect(redact('auth smtp-pw-123 and hook-secret-456')).toBe('auth *** and ***');
    for (const c of channels) await c.close();
  });

  it('renders alerts in the time zone of the camera\'s site', () => {
    const n = siteRender(loaded)(alertMessage({ at: '2025-01-20T20:00:00.000Z' }));
    expect(n.text).toMatch(/01:30/); // 20:00 UTC = 01:30 IST
  });
});
