/** Retention and the storage budget, editable while Vigil runs. Dependency-free (zod only). */
import { z } from 'zod';
import { MAX_VERSION, timeOut } from './types.ts';

const policy = {
  retention_days: z.number().positive().max(3650).describe('days of recording kept (a camera may set its own)'),
  budget_bytes: z.number().int().positive().nullable().describe('most bytes the data dir may hold; null: what the disk holds above the free-disk floor'),
  evidence_days: z.number().positive().max(3650).describe('days the recording around an event, and snapshots, are kept past retention'),
};

/**
 * What an operator may set is bounded below: one typo (0.01 days, a budget in bytes instead of
 * gigabytes) would have the next sweep delete the site's recordings. The config file may go lower
 * (tests and lab boxes), so the view accepts any positive value.
 */
export const MIN_RETENTION_DAYS = 1;
export const MIN_BUDGET_BYTES = 1e9;

export const retentionDaysInput = z.number().min(MIN_RETENTION_DAYS, `at least ${MIN_RETENTION_DAYS} day: less would delete recordings within hours`).max(3650);

const policyInput = {
  retention_days: retentionDaysInput.describe(policy.retention_days.description!),
  budget_bytes: z.number().int().min(MIN_BUDGET_BYTES, 'at least 1 GB (1000000000 bytes): a smaller budget would delete almost every recording').nullable().describe(policy.budget_bytes.description!),
  evidence_days: z.number().min(MIN_RETENTION_DAYS, `at least ${MIN_RETENTION_DAYS} day`).max(3650).describe(policy.evidence_days.description!),
};

export const storageSettingsView = z.object({
  ...policy,
  version: z.number().int(), updated_at: timeOut, updated_by: z.string(),
});

export const putStorageSettingsBody = z.object({
  ...policyInput,
  version: z.number().int().min(1).max(MAX_VERSION).optional().describe('the version you read; another version stored since is a 409'),
}).strict();
