import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Actor } from '../contract/actor.ts';
import type { CameraAdmin } from '../../settings/camera-admin.ts';
import type { RecipientAdmin } from '../../settings/recipients.ts';
import type { StorageAdmin } from '../../settings/retention.ts';
import { notificationTestBody, notificationTestResult, putRecipientBody, recipientList, recipientParams, recipientView } from '../contract/recipients.ts';
import { putStorageSettingsBody, storageSettingsView } from '../contract/storage-settings.ts';
import { addCamerasBody, cameraSettingList, cameraSettingView, createCameraBody, updateCameraBody } from '../contract/camera-settings.ts';
import { cameraParams } from '../contract/cameras.ts';
import { createDvrBody, dvrList, dvrParams, dvrTestBody, dvrTestResult, dvrView, updateDvrBody, versionQuery } from '../contract/dvrs.ts';
import { noQuery } from '../contract/types.ts';
import { addRoute } from '../route.ts';

export interface CameraSettingsRouteDeps {
  /** absent: cameras and DVRs are not editable in this process */
  cameraAdmin?: CameraAdmin;
  storageAdmin?: StorageAdmin;
  recipientAdmin?: RecipientAdmin;
}

/** DVRs, cameras and the storage policy, for admins: test a DVR, add it, pick its channels, edit or remove cameras, set retention and the budget. Each change applies at once. */
export function cameraSettingsRoutes(app: FastifyInstance, deps: CameraSettingsRouteDeps): void {
  const storage = deps.storageAdmin;
  if (storage) {
    addRoute(app, {
      method: 'GET', url: '/api/v1/settings/storage', permission: 'config:read', tag: 'settings', summary: 'Retention and the storage budget in force, with their version',
      query: noQuery, response: storageSettingsView,
      handler: async ({ actor }) => storage.get(actor),
    });
    addRoute(app, {
      method: 'PUT', url: '/api/v1/settings/storage', permission: 'config:manage', tag: 'settings', errors: [409],
      summary: 'Change retention and the storage budget; the storage sweep applies them from its next run (no restart); 409 when another version was stored since `version`',
      query: noQuery, body: putStorageSettingsBody, response: storageSettingsView,
      handler: async ({ actor, body }) => storage.put(actor, body),
    });
  }
  const recipients = deps.recipientAdmin;
  if (recipients) {
    addRoute(app, {
      method: 'GET', url: '/api/v1/notifications/recipients', permission: 'notifications:manage', tag: 'notifications', summary: 'Who is notified, on which channels, from which severity, with their versions',
      query: noQuery, response: recipientList,
      handler: async ({ actor }) => ({ items: await recipients.list(actor) }),
    });
    addRoute(app, {
      method: 'PUT', url: '/api/v1/notifications/recipients/:name', permission: 'config:manage', tag: 'notifications', errors: [409],
      summary: 'Add or replace a recipient; notified from the next alert on (no restart); 409 when another version was stored since `version`',
      params: recipientParams, query: noQuery, body: putRecipientBody, response: recipientView,
      handler: async ({ actor, params, body }) => recipients.put(actor, params.name, body.definition, body.version),
    });
    addRoute(app, {
      method: 'POST', url: '/api/v1/notifications/test', permission: 'config:manage', tag: 'notifications',
      summary: 'Send a test message to a recipient through each of its channels, now (no queue, no retry): which channel works, and why one does not',
      query: noQuery, body: notificationTestBody, response: notificationTestResult,
      handler: async ({ actor, body }) => ({ results: await recipients.test(actor, body.recipient) }),
    });
    removeRoute(app, '/api/v1/notifications/recipients/:name', 'notifications', 'Remove a recipient', recipientParams, (actor, p, version) => recipients.remove(actor, p.name, version));
  }
  const admin = deps.cameraAdmin;
  if (!admin) return;

  addRoute(app, {
    method: 'POST', url: '/api/v1/dvrs/test', permission: 'config:manage', tag: 'settings',
    summary: 'Test a CP PLUS DVR\'s connection (body {host, port, username, password, channels?}): each channel\'s codec and resolution, or why it cannot be recorded; the password is used for this test only',
    query: noQuery, body: dvrTestBody, response: dvrTestResult,
    handler: async ({ actor, body }) => admin.testDvr(actor, body),
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/dvrs', permission: 'config:manage', tag: 'settings', summary: 'The DVRs, with their versions (never a password)',
    query: noQuery, response: dvrList,
    handler: async ({ actor }) => ({ items: await admin.listDvrs(actor) }),
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/dvrs', permission: 'config:manage', tag: 'settings', status: 201, errors: [409],
    summary: 'Add a DVR (the password is stored sealed and never returned); 409 when the id is taken',
    query: noQuery, body: createDvrBody, response: dvrView,
    handler: async ({ actor, body, reply }) => {
      reply.code(201);
      return admin.createDvr(actor, body);
    },
  });

  addRoute(app, {
    method: 'PATCH', url: '/api/v1/dvrs/:id', permission: 'config:manage', tag: 'settings', errors: [409],
    summary: 'Change a DVR\'s address or credentials (its cameras reconnect); 409 when another version was stored since `version`',
    params: dvrParams, query: noQuery, body: updateDvrBody, response: dvrView,
    handler: async ({ actor, params, body }) => admin.updateDvr(actor, params.id, body),
  });

  removeRoute(app, '/api/v1/dvrs/:id', 'settings', 'Remove a DVR; 409 while cameras use it', dvrParams, (actor, p, version) => admin.removeDvr(actor, p.id, version));

  addRoute(app, {
    method: 'POST', url: '/api/v1/dvrs/:id/cameras', permission: 'config:manage', tag: 'settings', status: 201, errors: [409],
    summary: 'Add channels of a DVR as cameras <dvr>_ch<N> (after a connection test); they start recording at once',
    params: dvrParams, query: noQuery, body: addCamerasBody, response: cameraSettingList,
    handler: async ({ actor, params, body, reply }) => {
      reply.code(201);
      return { items: await admin.addDvrChannels(actor, params.id, body) };
    },
  });

  addRoute(app, {
    method: 'GET', url: '/api/v1/settings/cameras', permission: 'config:read', tag: 'settings', summary: 'The cameras the caller may see as configured (disabled ones too), with their versions',
    query: noQuery, response: cameraSettingList,
    handler: async ({ actor }) => ({ items: await admin.listCameras(actor) }),
  });

  addRoute(app, {
    method: 'POST', url: '/api/v1/cameras', permission: 'config:manage', tag: 'settings', status: 201, errors: [409],
    summary: 'Add a camera (a DVR and channel, or an RTSP URL); it starts recording at once; 409 when the id is taken',
    query: noQuery, body: createCameraBody, response: cameraSettingView,
    handler: async ({ actor, body, reply }) => {
      reply.code(201);
      return admin.createCamera(actor, body);
    },
  });

  addRoute(app, {
    method: 'PATCH', url: '/api/v1/cameras/:id', permission: 'config:manage', tag: 'settings', errors: [409],
    summary: 'Change a camera (it restarts with the new settings; enabled false stops it); 409 when another version was stored since `version`',
    params: cameraParams, query: noQuery, body: updateCameraBody, response: cameraSettingView,
    handler: async ({ actor, params, body }) => admin.updateCamera(actor, params.id, body),
  });

  removeRoute(app, '/api/v1/cameras/:id', 'settings', 'Remove a camera: it stops recording (its recordings stay until retention deletes them)', cameraParams, (actor, p, version) => admin.removeCamera(actor, p.id, version));
}

/** An admin's DELETE of a versioned configuration object: 204, 409 when another version was stored since `?version=`. */
function removeRoute<P extends z.ZodType>(app: FastifyInstance, url: string, tag: string, summary: string, params: P, remove: (actor: Actor, params: z.infer<P>, version: number | undefined) => Promise<void>): void {
  addRoute(app, {
    method: 'DELETE', url, permission: 'config:manage', tag, status: 204, errors: [409], summary, params, query: versionQuery,
    handler: async ({ actor, params: p, query, reply }) => {
      await remove(actor, p, query.version);
      return reply.code(204).send();
    },
  });
}
