import { redact } from '../core/redact.ts';
import type { BusRecord } from './port.ts';

/** A handler may reject with anything; the bus reports and dead-letters an Error. */
export const asError = (thrown: unknown): Error => (thrown instanceof Error ? thrown : new Error(String(thrown)));

/**
 * Headers of a dead letter: the record's own headers, where it came from, how often it failed
 * and why (redacted: handler errors may quote a camera URL with its password).
 */
export function deadLetterHeaders(record: BusRecord<unknown>, error: Error, attempts: number): Record<string, string> {
  return {
    ...record.headers,
    'x-original-topic': record.topic,
    'x-original-partition': String(record.partition),
    'x-original-offset': String(record.offset),
    'x-error': redact(error.message),
    'x-attempts': String(attempts),
  };
}
