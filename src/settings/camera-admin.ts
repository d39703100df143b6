/**
 * The operator actions on cameras and DVRs: test a DVR's connection, add, edit and remove DVRs and
 * cameras. Each is a versioned write through the configuration store (who and when, optimistic
 * concurrency), then the live camera list is rebuilt before the call returns, so the camera is
 * already starting when the API answers.
 */
import type { z } from 'zod';
import type { SecretBox } from '../auth/sealed.ts';
import { roleAllows } from '../api/contract/permissions.ts';
import type { addCamerasBody, cameraSettingView, createCameraBody, updateCameraBody } from '../api/contract/camera-settings.ts';
import type { createDvrBody, dvrTestBody, dvrView, updateDvrBody } from '../api/contract/dvrs.ts';
import type { CameraStatus } from '../core/camera-status.ts';
import { callerLabel, callerSeesCamera, type Caller } from '../core/actor.ts';
import { conflict, invalid, notFound, UseCaseError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { probeDvr, type DvrProbe } from '../media/dvr-probe.ts';
import type { CameraSync, StoredCamera, StoredDvr } from './cameras.ts';
import type { ConfigObject, ConfigService } from './service.ts';

export interface CameraAdminDeps {
  settings: ConfigService;
  sync: CameraSync;
  box: SecretBox;
  /** the site a DVR or camera goes to when the request names none */
  defaultSite: string;
  status: (cameraId: string) => CameraStatus | undefined;
}

type CameraView = z.input<typeof cameraSettingView>;
type DvrView = z.input<typeof dvrView>;

const dvrKey = (id: string) => ({ kind: 'dvr' as const, scope: '', id });
const cameraKey = (id: string) => ({ kind: 'camera' as const, scope: '', id });

function requireAdmin(caller: Caller): void {
  if (caller.kind === 'system') return;
  if (!caller.role || !roleAllows(caller.role, 'config:manage')) throw new UseCaseError('forbidden', `${callerLabel(caller)} may not change cameras or DVRs`);
}

const dvrViewOf = (o: ConfigObject): DvrView => {
  const d = o.definition as StoredDvr;
  return { id: d.id, site: d.site, kind: d.kind, host: d.host, port: d.port, username: d.username, has_password: Boolean(d.password_sealed), version: o.version, updated_at: o.updated_at, updated_by: o.updated_by };
};

/** Drops undefined fields, so a patch leaves what it does not name as it is. */
const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export function cameraAdmin(deps: CameraAdminDeps) {
  const { settings } = deps;

  const cameraViewOf = (o: ConfigObject): CameraView => {
    const c = o.definition as StoredCamera;
    return {
      id: c.id, site: c.site, name: c.name ?? null, location: c.location ?? null, dvr: c.dvr ?? null, channel: c.channel ?? null, url: c.url ? redact(c.url) : null,
      enabled: c.enabled, detect: c.detect, substream: c.substream, retention_days: c.retention_days ?? null,
      status: c.enabled ? deps.status(c.id)?.state ?? 'starting' : 'stopped', version: o.version, updated_at: o.updated_at, updated_by: o.updated_by,
    };
  };

  /** A password inside an RTSP URL is kept apart, sealed; the URL is stored without it. */
  function sealUrl(url: string | undefined): { url?: string; password_sealed?: string } {
    if (url === undefined) return {};
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw invalid(`url: not a valid URL; got ${redact(url)}`, 'invalid_definition');
    }
    if (!u.password) return { url };
    const password = decodeURIComponent(u.password);
    u.password = '';
    return { url: u.toString(), password_sealed: deps.box.seal(password) };
  }

  async function putCamera(caller: Caller, id: string, definition: Record<string, unknown>, version: number | undefined): Promise<CameraView> {
    const stored = await settings.put(caller, cameraKey(id), definition, version);
    await deps.sync.reload();
    return cameraViewOf(stored);
  }

  async function existingCamera(caller: Caller, id: string): Promise<ConfigObject> {
    if (!callerSeesCamera(caller, id)) throw notFound(`no camera with id '${id}'`);
    return settings.get(caller, cameraKey(id));
  }

  return {
    async testDvr(caller: Caller, body: z.output<typeof dvrTestBody>): Promise<DvrProbe> {
      requireAdmin(caller);
      return probeDvr(body);
    },

    async listDvrs(caller: Caller): Promise<DvrView[]> {
      requireAdmin(caller);
      return (await settings.list(caller, 'dvr')).map(dvrViewOf);
    },

    async createDvr(caller: Caller, body: z.output<typeof createDvrBody>): Promise<DvrView> {
      requireAdmin(caller);
      const { password, site, ...dvr } = body;
      const definition = { ...dvr, site: site ?? deps.defaultSite, ...(password ? { password_sealed: deps.box.seal(password) } : {}) };
      const stored = await settings.put(caller, dvrKey(body.id), definition, 0);
      await deps.sync.reload();
      return dvrViewOf(stored);
    },

    async updateDvr(caller: Caller, id: string, body: z.output<typeof updateDvrBody>): Promise<DvrView> {
      requireAdmin(caller);
      const { version, password, ...patch } = body;
      const current = await settings.get(caller, dvrKey(id));
      const definition = { ...(current.definition as StoredDvr), ...defined(patch), ...(password !== undefined ? { password_sealed: deps.box.seal(password) } : {}) };
      const stored = await settings.put(caller, dvrKey(id), definition, version ?? current.version);
      await deps.sync.reload();
      return dvrViewOf(stored);
    },

    async removeDvr(caller: Caller, id: string, version: number | undefined): Promise<void> {
      requireAdmin(caller);
      await settings.remove(caller, dvrKey(id), version);
      await deps.sync.reload();
    },

    async listCameras(caller: Caller): Promise<CameraView[]> {
      return (await settings.list(caller, 'camera')).filter((o) => callerSeesCamera(caller, o.id)).map(cameraViewOf);
    },

    async createCamera(caller: Caller, body: z.output<typeof createCameraBody>): Promise<CameraView> {
      requireAdmin(caller);
      const { site, url, retention_days, ...camera } = body;
      const dvr = camera.dvr ? (await settings.list(caller, 'dvr')).find((d) => d.id === camera.dvr)?.definition as StoredDvr | undefined : undefined;
      return putCamera(caller, body.id, { ...defined(camera), ...sealUrl(url), ...(retention_days != null ? { retention_days } : {}), site: site ?? dvr?.site ?? deps.defaultSite }, 0);
    },

    /** Adds the picked channels of a DVR as cameras `<dvr>_ch<N>` (the "add cameras" step after a connection test). */
    async addDvrChannels(caller: Caller, dvrId: string, body: z.output<typeof addCamerasBody>): Promise<CameraView[]> {
      requireAdmin(caller);
      const dvr = (await settings.get(caller, dvrKey(dvrId))).definition as StoredDvr;
      const taken = new Set((await settings.list(caller, 'camera')).map((c) => c.id));
      const ids = body.channels.map((ch) => `${dvrId}_ch${ch}`);
      const clash = ids.filter((id) => taken.has(id));
      if (clash.length) throw conflict(`cameras ${clash.join(', ')} exist already`, 'exists');
      const added: CameraView[] = [];
      for (const [i, channel] of body.channels.entries()) {
        const stored = await settings.put(caller, cameraKey(ids[i]!), defined({ id: ids[i], name: `${dvr.id} channel ${channel}`, dvr: dvr.id, channel, site: dvr.site, detect: body.detect, substream: body.substream }), 0);
        added.push(cameraViewOf(stored));
      }
      await deps.sync.reload();
      return added;
    },

    async updateCamera(caller: Caller, id: string, body: z.output<typeof updateCameraBody>): Promise<CameraView> {
      requireAdmin(caller);
      const current = await existingCamera(caller, id);
      const { version, url, retention_days, ...patch } = body;
      const { password_sealed: keptPassword, ...before } = current.definition as StoredCamera;
      // switching between a DVR channel and a URL replaces the other
      const sourceSwitch = url !== undefined ? { dvr: undefined, channel: undefined } : patch.dvr !== undefined ? { url: undefined } : {};
      const sealed = url !== undefined ? sealUrl(url) : { password_sealed: keptPassword };
      const definition = { ...before, ...sourceSwitch, ...defined(patch), ...defined(sealed), ...(retention_days === null ? { retention_days: undefined } : defined({ retention_days })) };
      return putCamera(caller, id, defined(definition), version ?? current.version);
    },

    async removeCamera(caller: Caller, id: string, version: number | undefined): Promise<void> {
      requireAdmin(caller);
      await existingCamera(caller, id);
      await settings.remove(caller, cameraKey(id), version);
      await deps.sync.reload();
    },
  };
}

export type CameraAdmin = ReturnType<typeof cameraAdmin>;
