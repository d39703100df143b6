import { z } from 'zod';
import { MAX_VERSION, text, timeOut } from './types.ts';

/** Why a DVR or one of its channels cannot be recorded, as a DVR connection test finds it. */
export const dvrProbeError = z.enum(['auth_failed', 'unreachable', 'timeout', 'no_such_channel', 'not_rtsp', 'refused'])
  .describe('auth_failed: wrong username or password; unreachable: no connection to host:port; timeout: no answer in time; no_such_channel: the DVR has no such channel; not_rtsp: something else answers on the port; refused: another RTSP error (see detail)');

export const dvrConnection = z.object({
  host: text(253).trim().min(1).regex(/^[a-zA-Z0-9.:[\]_-]+$/, 'a host name or an IP address').describe('DVR address on the site network'),
  port: z.number().int().min(1).max(65535).default(554).describe('RTSP port'),
  username: text(64).default('admin').describe('RTSP user'),
  password: text(128).default('').describe('RTSP password: used for the test only, never returned or logged'),
});

export const dvrTestBody = dvrConnection.extend({
  channels: z.number().int().min(1).max(64).default(16).describe('channels probed, 1..channels (a CP PLUS DVR has 4, 8, 16 or 32)'),
}).strict();

export const channelProbeSchema = z.object({
  channel: z.number().int(),
  reachable: z.boolean().describe('the DVR describes the channel\'s main stream'),
  codec: z.string().nullable().describe('e.g. H264, H265'),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  error: dvrProbeError.nullable(),
  detail: z.string().nullable().describe('the RTSP status or connection error behind `error`'),
});

export const dvrTestResult = z.object({
  reachable: z.boolean().describe('the DVR answered and accepted the credentials'),
  error: dvrProbeError.nullable().describe('set when the whole DVR failed (then no channel was probed beyond the first)'),
  detail: z.string().nullable(),
  channels: z.array(channelProbeSchema),
});

const objectId = z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'letters, digits, "_" or "-", at most 32');

/** Who last changed an object, when, and its version (send it back with a change: another version stored since is a 409). */
const versioned = {
  version: z.number().int().min(1).describe('the object\'s version: each change stores a new one'),
  updated_at: timeOut,
  updated_by: z.string().describe('who stored this version: user:alice, system:config-file'),
};

/** The version a change is based on: another version stored since is a 409. */
export const versionBody = { version: z.number().int().min(1).max(MAX_VERSION).optional().describe('the version you read; absent: replace whatever is stored') };
export const versionQuery = z.object({ version: z.coerce.number().int().min(1).max(MAX_VERSION).optional().describe('the version you read; absent: delete whatever is stored') }).strict();

export const dvrParams = z.object({ id: objectId }).strict();

export const dvrView = z.object({
  id: z.string(), site: z.string(), kind: z.enum(['cpplus', 'rtsp']), host: z.string(), port: z.number().int(), username: z.string(),
  has_password: z.boolean().describe('a password is set (it is never returned)'),
  ...versioned,
});
export const dvrList = z.object({ items: z.array(dvrView) });

export const createDvrBody = dvrConnection.extend({
  id: objectId.describe('DVR id, unique'),
  site: objectId.optional().describe('site id (default: the first site)'),
  kind: z.enum(['cpplus', 'rtsp']).default('cpplus'),
}).strict();

export const updateDvrBody = z.object({
  host: dvrConnection.shape.host.optional(),
  port: z.number().int().min(1).max(65535).optional(),
  username: text(64).optional(),
  password: text(128).optional().describe('a new password; absent: the stored one stays'),
  ...versionBody,
}).strict();
