/** Who is notified, on which channels, from which severity: editable while Vigil runs. Dependency-free (zod only). */
import { z } from 'zod';
import { SEVERITIES } from './alerts.ts';
import { MAX_VERSION, timeOut } from './types.ts';

const name = z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'letters, digits, "_" or "-", at most 32');
const CHANNELS = ['email', 'sms', 'push', 'webhook', 'mqtt'] as const;

/** A recipient as the notifier routes to it (the config file's notifications.recipients[] entry). */
export const recipientDefinition = z.object({
  name: name.describe('recipient id (also the push user whose subscriptions receive push)'),
  channels: z.array(z.enum(CHANNELS)).min(1).describe('channels this recipient is notified on'),
  email: z.email().optional(),
  phone: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'E.164, e.g. +15550001234').optional(),
  webhooks: z.array(name).optional().describe('webhook endpoint ids (notifications.webhooks)'),
  min_severity: z.enum(SEVERITIES).optional(),
  admin: z.boolean().optional().describe('receives escalations'),
  cameras: z.array(z.string().max(64)).optional().describe('only alerts of these cameras (empty: all)'),
}).strict();

export const recipientParams = z.object({ name }).strict();

export const putRecipientBody = z.object({
  definition: recipientDefinition,
  version: z.number().int().min(0).max(MAX_VERSION).optional().describe('the version you read (0: create, refused if it exists); another version stored since is a 409'),
}).strict();

export const recipientView = recipientDefinition.extend({
  webhooks: z.array(z.string()), min_severity: z.enum(SEVERITIES), admin: z.boolean(), cameras: z.array(z.string()),
  version: z.number().int(), updated_at: timeOut, updated_by: z.string(),
});
export const recipientList = z.object({ items: z.array(recipientView) });

export const notificationTestBody = z.object({ recipient: name.describe('the recipient whose channels get the test message') }).strict();

export const notificationTestResult = z.object({
  results: z.array(z.object({
    channel: z.string(), target: z.string().describe('address, phone, endpoint id or push user'), ok: z.boolean(), error: z.string().nullable().describe('why the channel refused or failed'),
  })),
});
