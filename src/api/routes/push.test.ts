import { afterAll, describe, expect, it } from 'vitest';
import { Health } from '../../core/health.ts';
import { rootLogger } from '../../core/log.ts';
import type { Objects } from '../../objects/port.ts';
import type { Store } from '../../store/port.ts';
import type { Repositories } from '../../store/repositories/types.ts';
import { browserPushKeys, memoryPushSubscriptions } from '../../../test/fixtures/push-subscriptions.ts';
import { PUSH_SERVICE_HOSTS } from '../../notify/channels/push-endpoint.ts';
import { buildApi } from '../server.ts';
import { TestAuth } from '../../../test/fixtures/api-auth.ts';
import { LiveCameras } from '../../config/live-cameras.ts';

const auth = await TestAuth.open();
afterAll(() => auth.close());

async function build(config?: { publicKey: string; users: string[] }) {
  const push = config && { ...config, allowedHosts: PUSH_SERVICE_HOSTS };
  const pushSubscriptions = memoryPushSubscriptions();
  const app = buildApi({
    auth: auth.stack, cameras: new LiveCameras(), repos: { pushSubscriptions } as unknown as Repositories, objects: {} as Objects, store: { ping: async () => true } as unknown as Store,
    health: new Health(), version: 'test', startedAt: new Date(), log: rootLogger, status: () => undefined, push,
  });
  return { app: await auth.as(app, 'viewer'), rows: pushSubscriptions.rows };
}

describe('push routes', () => {
  const endpoint = 'https://fcm.googleapis.com/fcm/send/abc123';

  it('serves the VAPID public key and stores, replaces and removes a subscription', async () => {
    const { app, rows } = await build({ publicKey: 'BPublicKey', users: ['guard'] });
    expect((await app.inject({ method: 'GET', url: '/api/v1/push/vapid-public-key' })).json()).toEqual({ public_key: 'BPublicKey' });
    const keys = browserPushKeys();
    const created = await app.inject({ method: 'POST', url: '/api/v1/push/subscriptions', headers: { 'user-agent': 'Firefox/130' }, payload: { user: 'guard', subscription: { endpoint, expirationTime: null, keys } } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 1, user: 'guard', endpoint });
    expect(rows).toMatchObject([{ user_name: 'guard', endpoint, p256dh: keys.p256dh, auth: keys.auth, user_agent: 'Firefox/130' }]);
    await app.inject({ method: 'POST', url: '/api/v1/push/subscriptions', payload: { user: 'guard', subscription: { endpoint, keys: browserPushKeys() } } });
    expect(rows).toHaveLength(1);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/push/subscriptions', payload: { endpoint } })).statusCode).toBe(204);
    expect(rows).toEqual([]);
    const again = await app.inject({ method: 'DELETE', url: '/api/v1/push/subscriptions', payload: { endpoint } });
    expect(again.statusCode).toBe(404);
  });

  it('refuses bad subscriptions with the reason, and unknown users', async () => {
    const { app, rows } = await build({ publicKey: 'BPublicKey', users: ['guard'] });
    const post = (payload: unknown) => app.inject({ method: 'POST', url: '/api/v1/push/subscriptions', payload: payload as object });
    const keys = browserPushKeys();
    const cases: Array<[unknown, string]> = [
      [{ user: 'guard', subscription: { endpoint: 'http://push.example/x', keys } }, "body field 'subscription.endpoint'"],
      [{ user: 'guard', subscription: { endpoint, keys: { ...keys, p256dh: 'AAAA' } } }, 'keys.p256dh must be 65 bytes'],
      [{ user: 'guard', subscription: { endpoint, keys: { ...keys, auth: 'not base64!' } } }, 'keys.auth must be base64url'],
      [{ user: 'guard', subscription: { endpoint } }, "body field 'subscription.keys'"],
      [{ user: 'mallory', subscription: { endpoint, keys } }, 'no recipient "mallory" with the push channel'],
      // a subscription is a URL Vigil will POST to: only the browsers' push services (no SSRF)
      [{ user: 'guard', subscription: { endpoint: 'https://127.0.0.1:5432/x', keys } }, 'default https port'],
      [{ user: 'guard', subscription: { endpoint: 'https://169.254.169.254/latest', keys } }, 'not an IP address'],
      [{ user: 'guard', subscription: { endpoint: 'https://intranet.corp.example/x', keys } }, 'intranet.corp.example is not a known push service'],
    ];
    for (const [payload, reason] of cases) {
      const res = await post(payload);
      expect(res.statusCode, reason).toBe(400);
      expect(res.json().message).toContain(reason);
    }
    expect(rows).toEqual([]);
  });

  it('answers 404 naming the missing configuration when web push is not configured', async () => {
    const { app } = await build();
    const res = await app.inject({ method: 'GET', url: '/api/v1/push/vapid-public-key' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_configured', message: 'web push is not configured (notifications.push)' });
  });
});
