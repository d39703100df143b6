import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { keysDir } from '../auth/open.ts';
import { SecretBox } from '../auth/sealed.ts';
import type { LiveCameras } from '../config/live-cameras.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { CameraStatus } from '../core/camera-status.ts';
import type { Logger } from '../core/log.ts';
import { cameraAdmin, type CameraAdmin } from '../settings/camera-admin.ts';
import { CameraSync, filePasswords } from '../settings/cameras.ts';
import { recipientAdmin, recipientFileEntries, type RecipientAdmin, type SendTest } from '../settings/recipients.ts';
import { buildChannels } from '../notify/build.ts';
import { sendTestNotification } from '../notify/test-send.ts';
import type { PushSubscriptionRepo } from '../store/repositories/push-subscriptions.ts';
import { apiPublicUrl } from './context.ts';
import { LiveStoragePolicy, storageAdmin, type StorageAdmin } from '../settings/retention.ts';
import type { ConfigService } from '../settings/service.ts';

/** Builds the configured notification channels for one test message, and closes them after. */
function testSender(o: { loaded: LoadedConfig; pushSubscriptions: PushSubscriptionRepo; log: Logger }): SendTest {
  const { config } = o.loaded;
  return async (recipient, by) => {
    const channels = buildChannels(o.loaded, { pushSubscriptions: o.pushSubscriptions, log: o.log });
    try {
      return await sendTestNotification({ recipient, channels, config: config.notifications, timezone: config.sites[0]?.timezone ?? 'UTC', publicUrl: apiPublicUrl(config), by });
    } finally {
      await Promise.all(channels.map((c) => c.close().catch(() => undefined)));
    }
  };
}

/**
 * Cameras, DVRs and the storage policy from the configuration store: the config file's applied,
 * the live camera list and policy filled from the store before any role starts, and the actions
 * that change them.
 */
export async function openCameraSettings(o: {
  loaded: LoadedConfig; settings: ConfigService; cameras: LiveCameras; status: (id: string) => CameraStatus | undefined; log: Logger;
  pushSubscriptions: PushSubscriptionRepo;
}): Promise<{ admin: CameraAdmin; storageAdmin: StorageAdmin; storagePolicy: LiveStoragePolicy; recipientAdmin: RecipientAdmin }> {
  const { config } = o.loaded;
  // its own key: the sealed DVR passwords and the sealed TOTP secrets do not share one
  mkdirSync(keysDir(o.loaded.paths.dataDir), { recursive: true, mode: 0o700 });
  const box = SecretBox.open(path.join(keysDir(o.loaded.paths.dataDir), 'dvr-seal.key'));
  const storagePolicy = new LiveStoragePolicy(config);
  const sync = new CameraSync({
    settings: o.settings, storage: storagePolicy, cameras: o.cameras, config, log: o.log,
    secrets: { box, env: process.env, filePasswords: filePasswords(config) },
    site: { retentionDays: () => storagePolicy.retentionDays(), timezone: (id) => config.sites.find((s) => s.id === id)?.timezone ?? 'UTC' },
  });
  await sync.start();
  await o.settings.applyFile(recipientFileEntries(config));
  const admin = cameraAdmin({ settings: o.settings, sync, box, defaultSite: config.sites[0]?.id ?? 'main', status: o.status });
  return { admin, storageAdmin: storageAdmin({ settings: o.settings, applied: () => sync.reload() }), storagePolicy, recipientAdmin: recipientAdmin(o.settings, testSender(o)) };
}
