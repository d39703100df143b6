/** Retention and the storage budget, editable while Vigil runs. Dependency-free (zod only). */
import { z } from 'zod';
import { MAX_VERSION, timeOut } from './types.ts';

const policy = {
  retention_days: z.number().positive().max(3650).describe('days of recording kept (a camera may set its own)'),
  budget_bytes: z.number().int().positive().nullable().describe('most bytes the data dir may hold; null: what the disk holds above the free-disk floor'),
  evidence_days: z.number().positive().max(3650).describe('days the recording around an event, and snapshots, are kept past retention'),
};

export const storageSettingsView = z.object({
  ...policy,
  version: z.number().int(), updated_at: timeOut, updated_by: z.string(),
});

export const putStorageSettingsBody = z.object({
  ...policy,
  version: z.number().int().min(1).max(MAX_VERSION).optional().describe('the version you read; another version stored since is a 409'),
}).strict();
