import type { FastifyInstance } from 'fastify';
import type { CameraAdmin } from '../../settings/camera-admin.ts';
import type { StorageAdmin } from '../../settings/retention.ts';
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

  addRoute(app, {
    method: 'DELETE', url: '/api/v1/dvrs/:id', permission: 'config:manage', tag: 'settings', status: 204, errors: [409],
    summary: 'Remove a DVR; 409 while cameras use it',
    params: dvrParams, query: versionQuery,
    handler: async ({ actor, params, query, reply }) => {
      await admin.removeDvr(actor, params.id, query.version);
      return reply.code(204).send();
    },
  });

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

  addRoute(app, {
    method: 'DELETE', url: '/api/v1/cameras/:id', permission: 'config:manage', tag: 'settings', status: 204, errors: [409],
    summary: 'Remove a camera: it stops recording (its recordings stay until retention deletes them)',
    params: cameraParams, query: versionQuery,
    handler: async ({ actor, params, query, reply }) => {
      await admin.removeCamera(actor, params.id, query.version);
      return reply.code(204).send();
    },
  });
}
