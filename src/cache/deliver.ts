import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';

/** Calls a subscriber; its failure is logged and stops neither it nor the channel's other subscribers. */
export function deliverSafely(handler: (message: unknown) => void, message: unknown, channel: string, log?: Logger): void {
  try {
    handler(message);
  } catch (e) {
    log?.warn({ channel, reason: redact(e instanceof Error ? e.message : String(e)) }, `cache subscriber of ${channel} failed`);
  }
}
