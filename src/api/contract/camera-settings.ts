/** Adding, editing and removing cameras (a CP PLUS DVR channel or an RTSP URL). Dependency-free (zod only). */
import { z } from 'zod';
import { text, timeOut } from './types.ts';
import { versionBody } from './dvrs.ts';
import { retentionDaysInput } from './storage-settings.ts';

const objectId = z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'letters, digits, "_" or "-", at most 32');

const editable = {
  name: text(100).optional().describe('display name'),
  location: text(200).optional().describe('free text location'),
  enabled: z.boolean().optional().describe('false keeps the camera configured but stopped'),
  detect: z.boolean().optional().describe('run detection on this camera'),
  substream: z.boolean().optional().describe('also stream the CP PLUS sub stream for grid views'),
  retention_days: retentionDaysInput.nullable().optional().describe('days of recording kept; null: the site default'),
};

const source = {
  dvr: objectId.optional().describe('the CP PLUS DVR this camera is a channel of'),
  channel: z.number().int().min(1).max(64).optional().describe('DVR channel (1-based)'),
  url: z.string().max(500).regex(/^rtsps?:\/\//, 'must start with rtsp:// or rtsps://').optional().describe('plain RTSP URL instead of dvr + channel; a password in it is stored sealed and never returned'),
};

export const createCameraBody = z.object({
  id: objectId.describe('camera id, unique (e.g. cam_009)'),
  site: objectId.optional().describe('site id (default: the DVR\'s site, else the first site)'),
  ...source,
  ...editable,
}).strict();

export const updateCameraBody = z.object({ ...source, ...editable, ...versionBody }).strict();

export const cameraSettingView = z.object({
  id: z.string(), site: z.string(), name: z.string().nullable(), location: z.string().nullable(),
  dvr: z.string().nullable(), channel: z.number().int().nullable(), url: z.string().nullable().describe('RTSP URL, credentials redacted'),
  enabled: z.boolean(), detect: z.boolean(), substream: z.boolean(), retention_days: z.number().nullable(),
  status: z.enum(['starting', 'streaming', 'backoff', 'stopped']).describe('stopped for a disabled camera'),
  version: z.number().int(), updated_at: timeOut, updated_by: z.string(),
});
export const cameraSettingList = z.object({ items: z.array(cameraSettingView) });

export const addCamerasBody = z.object({
  channels: z.array(z.number().int().min(1).max(64)).min(1).max(64).describe('the channels to add, each as camera <dvr>_ch<N>'),
  detect: z.boolean().optional(),
  substream: z.boolean().optional(),
}).strict();
