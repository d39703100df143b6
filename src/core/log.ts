import { pino, type Logger } from 'pino';
import { redact, redactDeep } from './redact.ts';

export type { Logger };

/**
 * The process logger. A logMethod hook redacts every argument, so no call site can forget to.
 * Logs go to stdout, or to stderr with VIGIL_LOG_STDERR=1 (commands whose stdout is data, e.g. `vigil eval`).
 */
export function createLogger(level = process.env.VIGIL_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: undefined,
    hooks: {
      logMethod(args, method) {
        const clean = args.map((a) => (typeof a === 'string' ? redact(a) : redactDeep(a))) as Parameters<typeof method>;
        return method.apply(this, clean);
      },
    },
    serializers: { err: (e: Error) => ({ type: e.name, message: redact(e.message), stack: e.stack ? redact(e.stack) : undefined }) },
  }, process.env.VIGIL_LOG_STDERR === '1' ? pino.destination(2) : undefined);
}

export const rootLogger: Logger = createLogger();
