/**
 * Notification recipients in the configuration store: seeded from notifications.recipients of the
 * config file (an entry unchanged since the last start keeps the edits made through the API),
 * editable through the API, and read by the notifier for every alert message, so a recipient
 * added is notified from the next alert on, without a restart.
 */
import type { z } from 'zod';
import { roleAllows } from '../api/contract/permissions.ts';
import type { recipientView } from '../api/contract/recipients.ts';
import type { Config } from '../config/schema.ts';
import { callerLabel, type Caller } from '../core/actor.ts';
import { UseCaseError } from '../core/errors.ts';
import { recipientSchema, type RecipientConfig } from '../notify/config.ts';
import type { TestSendResult } from '../notify/test-send.ts';
import { fileEntry, type FileEntry } from './file.ts';
import type { ExportSection } from './export.ts';
import type { KindRegistry } from './kinds.ts';
import type { ConfigObject, ConfigService } from './service.ts';

const key = (name: string) => ({ kind: 'recipient' as const, scope: '', id: name });

export const RECIPIENT_KINDS: KindRegistry = {
  recipient: {
    scope: 'none', schema: recipientSchema,
    check: async (def, k) => ((def as RecipientConfig).name === k.id ? undefined : { path: 'name', message: `must be "${k.id}", the name it is stored under` }),
  },
};

export const recipientFileEntries = (config: Config): FileEntry[] => config.notifications.recipients.map((r) => fileEntry(key(r.name), r));

/** The process itself, reading the recipients to route alerts. */
const NOTIFIER: Caller = { kind: 'system', id: 0, name: 'notifier', cameras: null };

/** The recipients in force, kept equal to the store (loaded at start, then every stored change). */
export class LiveRecipients {
  private current: RecipientConfig[];

  constructor(private readonly settings: ConfigService, initial: readonly RecipientConfig[]) {
    this.current = [...initial];
  }

  list(): readonly RecipientConfig[] {
    return this.current;
  }

  /** Loads the store's recipients and follows its changes; returns the unsubscribe. */
  async follow(onError: (err: unknown) => void): Promise<() => void> {
    const load = async () => {
      this.current = (await this.settings.list(NOTIFIER, 'recipient')).map((o) => o.definition as RecipientConfig);
    };
    await load();
    return this.settings.onChange((c) => {
      if (c.kind === 'recipient') load().catch(onError);
    });
  }
}

type View = z.input<typeof recipientView>;
const viewOf = (o: ConfigObject): View => ({ ...(o.definition as RecipientConfig), version: o.version, updated_at: o.updated_at, updated_by: o.updated_by });

function requireAdmin(caller: Caller): void {
  if (caller.kind !== 'system' && (!caller.role || !roleAllows(caller.role, 'config:manage'))) throw new UseCaseError('forbidden', `${callerLabel(caller)} may not change notification recipients`);
}

/** Sends the test message to a recipient's channels (the notify channels, built for the test). */
export type SendTest = (recipient: RecipientConfig, by: string) => Promise<TestSendResult[]>;

/** List, add or replace, remove and test recipients (admins change and test them). */
export function recipientAdmin(settings: ConfigService, sendTest: SendTest) {
  return {
    async list(caller: Caller): Promise<View[]> {
      return (await settings.list(caller, 'recipient')).map(viewOf);
    },
    async put(caller: Caller, name: string, definition: unknown, version: number | undefined): Promise<View> {
      requireAdmin(caller);
      return viewOf(await settings.put(caller, key(name), definition, version));
    },
    async remove(caller: Caller, name: string, version: number | undefined): Promise<void> {
      requireAdmin(caller);
      await settings.remove(caller, key(name), version);
    },
    async test(caller: Caller, name: string): Promise<TestSendResult[]> {
      requireAdmin(caller);
      return sendTest((await settings.get(caller, key(name))).definition as RecipientConfig, callerLabel(caller));
    },
  };
}

export type RecipientAdmin = ReturnType<typeof recipientAdmin>;

/** The `notifications.recipients` key of the exported configuration: the recipients in force. */
export const recipientsSection: ExportSection = {
  kinds: ['recipient'],
  build: (objects) => ({ notifications: { recipients: objects.map((o) => o.definition) } }),
};
