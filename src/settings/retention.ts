/**
 * Retention and the storage budget in the configuration store: one object (kind retention, id
 * `storage`) seeded from the config file (recording.retention_days, storage.budget_bytes,
 * storage.evidence_days) and editable through the API. The storage sweep reads the policy at every
 * run and cameras without a retention of their own follow retention_days, so a change applies
 * from the next sweep on, without a restart.
 */
import type { z } from 'zod';
import { roleAllows } from '../api/contract/permissions.ts';
import { putStorageSettingsBody, type storageSettingsView } from '../api/contract/storage-settings.ts';
import type { Config } from '../config/schema.ts';
import { callerLabel, type Caller } from '../core/actor.ts';
import { UseCaseError } from '../core/errors.ts';
import { fileEntry, type FileEntry } from './file.ts';
import type { ExportSection } from './export.ts';
import type { KindRegistry } from './kinds.ts';
import type { ConfigObject, ConfigService } from './service.ts';

const storedPolicy = putStorageSettingsBody.omit({ version: true });
export type StoragePolicy = z.infer<typeof storedPolicy>;

export const STORAGE_KEY = { kind: 'retention' as const, scope: '', id: 'storage' };

export const RETENTION_KINDS: KindRegistry = {
  retention: {
    scope: 'none', schema: storedPolicy,
    check: async (_def, key) => (key.id === STORAGE_KEY.id ? undefined : { path: 'id', message: `the storage policy is stored as "${STORAGE_KEY.id}"` }),
  },
};

export const policyOf = (config: Pick<Config, 'recording' | 'storage'>): StoragePolicy => ({
  retention_days: config.recording.retention_days, budget_bytes: config.storage.budget_bytes ?? null, evidence_days: config.storage.evidence_days,
});

export const storageFileEntries = (config: Config): FileEntry[] => [fileEntry(STORAGE_KEY, policyOf(config))];

type SweepConfig = Pick<Config, 'storage' | 'recording' | 'clips'>;

/** The policy in force: the config file's until the store holds one. */
export class LiveStoragePolicy {
  private policy: StoragePolicy;

  constructor(private readonly config: SweepConfig) {
    this.policy = policyOf(config);
  }

  set(policy: StoragePolicy): void {
    this.policy = policy;
  }

  retentionDays(): number {
    return this.policy.retention_days;
  }

  /** The sweep's configuration with the policy in force. */
  sweepConfig(): SweepConfig {
    const { storage, recording } = this.config;
    return { ...this.config, storage: { ...storage, budget_bytes: this.policy.budget_bytes ?? undefined, evidence_days: this.policy.evidence_days }, recording: { ...recording, retention_days: this.policy.retention_days } };
  }
}

type View = z.input<typeof storageSettingsView>;
const viewOf = (o: ConfigObject): View => ({ ...(o.definition as StoragePolicy), version: o.version, updated_at: o.updated_at, updated_by: o.updated_by });

/** Read and change the storage policy (admins change it); `applied` runs after each change is stored. */
export function storageAdmin(deps: { settings: ConfigService; applied: () => Promise<void> }) {
  return {
    async get(caller: Caller): Promise<View> {
      return viewOf(await deps.settings.get(caller, STORAGE_KEY));
    },
    async put(caller: Caller, body: z.output<typeof putStorageSettingsBody>): Promise<View> {
      if (caller.kind !== 'system' && (!caller.role || !roleAllows(caller.role, 'config:manage'))) throw new UseCaseError('forbidden', `${callerLabel(caller)} may not change retention or the storage budget`);
      const { version, ...policy } = body;
      const stored = await deps.settings.put(caller, STORAGE_KEY, policy, version);
      await deps.applied();
      return viewOf(stored);
    },
  };
}

export type StorageAdmin = ReturnType<typeof storageAdmin>;

/** The `recording.retention_days` and `storage` keys of the exported configuration: the policy in force. */
export const storageSection: ExportSection = {
  kinds: ['retention'],
  build(objects) {
    const policy = objects.find((o) => o.id === STORAGE_KEY.id)?.definition as StoragePolicy | undefined;
    if (!policy) return {};
    return {
      recording: { retention_days: policy.retention_days },
      storage: { ...(policy.budget_bytes === null ? {} : { budget_bytes: policy.budget_bytes }), evidence_days: policy.evidence_days },
    };
  },
};
