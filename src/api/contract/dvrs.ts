import { z } from 'zod';
import { text } from './types.ts';

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
