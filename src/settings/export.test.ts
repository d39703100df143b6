import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.ts';
import type { FileEntry } from './file.ts';
import { recipientFileEntries, recipientsSection } from './recipients.ts';
import { storageFileEntries, storageSection } from './retention.ts';

/** what the store holds after it applied these entries of the config file */
const stored = (entries: FileEntry[]) => entries.map((e) => ({ ...e, version: 1, updated_at: new Date(0), updated_by: 'config file' }));

describe('export sections of the retention policy and the recipients', () => {
  const config = configSchema.parse({
    recording: { retention_days: 9 },
    storage: { budget_bytes: 5_000_000_000, evidence_days: 60 },
    notifications: {
      webhooks: [{ id: 'ops', url: 'https://hooks.example.com/x' }],
      recipients: [{ name: 'guard', channels: ['webhook'], webhooks: ['ops'], min_severity: 'high' }],
    },
  });

  it('gives back what the store holds in the config file\'s shape, which parses as a config again', () => {
    const doc = { ...storageSection.build(stored(storageFileEntries(config))), ...recipientsSection.build(stored(recipientFileEntries(config))) };
    const { notifications: n } = doc as { notifications: { recipients: unknown[] } };
    const reparsed = configSchema.parse({ ...doc, notifications: { ...n, webhooks: config.notifications.webhooks } });
    expect([reparsed.recording.retention_days, reparsed.storage.budget_bytes, reparsed.storage.evidence_days]).toEqual([9, 5_000_000_000, 60]);
    expect(reparsed.notifications.recipients).toEqual(config.notifications.recipients);
  });

  it('leaves out a budget that is not set, so the file keeps its default', () => {
    expect(storageSection.build(stored(storageFileEntries(configSchema.parse({}))))).not.toHaveProperty('storage.budget_bytes');
    expect(storageSection.build([])).toEqual({});
  });
});
