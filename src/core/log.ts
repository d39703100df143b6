import { isatty } from 'node:tty';
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty, { type PrettyOptions } from 'pino-pretty';
import { redact, redactDeep } from './redact.ts';

export type { Logger };

/**
 * How a line reads on a terminal: local time, level, component and camera first, then the
 * message and the other fields, on one line (an error's stack follows on its own lines).
 */
export const PRETTY_OPTIONS: PrettyOptions = {
  translateTime: 'SYS:HH:MM:ss.l',
  messageFormat: (log, messageKey) => {
    const msg = String(log[messageKey] ?? '');
    // a camera worker's causes already start with "camera <id>"
    const camera = log.camera_id && !msg.startsWith(`camera ${String(log.camera_id)}`) ? `${String(log.camera_id)}: ` : '';
    return `${log.component ? `${String(log.component)} ` : ''}${camera}${msg}`;
  },
  ignore: 'pid,hostname,component,camera_id',
  singleLine: true,
};

/**
 * Where log lines go (stdout, or stderr with VIGIL_LOG_STDERR=1 for commands whose stdout is
 * data, e.g. `vigil eval`) and how they look: readable on a terminal, one JSON object per line
 * otherwise (journald, Docker, a log collector). VIGIL_LOG_FORMAT=json|pretty overrides.
 */
export function logDestination(env: NodeJS.ProcessEnv = process.env): DestinationStream {
  const fd = env.VIGIL_LOG_STDERR === '1' ? 2 : 1;
  const format = env.VIGIL_LOG_FORMAT === 'json' || env.VIGIL_LOG_FORMAT === 'pretty' ? env.VIGIL_LOG_FORMAT : isatty(fd) ? 'pretty' : 'json';
  // sync: a line logged just before process.exit is not lost
  return format === 'pretty' ? pretty({ ...PRETTY_OPTIONS, destination: fd, sync: true }) : pino.destination({ dest: fd, sync: true });
}

/** The process logger. A logMethod hook redacts every argument, so no call site can forget to. */
export function createLogger(level = process.env.VIGIL_LOG_LEVEL ?? 'info', destination: DestinationStream = logDestination()): Logger {
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
  }, destination);
}

export const rootLogger: Logger = createLogger();
