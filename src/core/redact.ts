/**
 * Credential redaction. Every log line, error and API response passes through here, so a DVR
 * password can never leak through an RTSP URL, an ffmpeg stderr line or a config error.
 */
const knownSecrets = new Set<string>();

/** Registers a secret value (e.g. a DVR password) so that it is masked wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 3) knownSecrets.add(value);
}

const MASK = '***';

const patterns: Array<[RegExp, string]> = [
  // rtsp://user:pass@host → rtsp://user:***@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]*@/gi, `$1:${MASK}@`],
  // CP PLUS path form: ...&password=secret&... (also user= is kept, password masked)
  [/(password=)[^&\s"']*/gi, `$1${MASK}`],
  // generic key/value secrets in text: password: x, "token":"x"
  [/("?(?:password|passwd|secret|token|api[_-]?key)"?\s*[:=]\s*"?)[^"\s,&}]+/gi, `$1${MASK}`],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, rep] of patterns) out = out.replace(re, rep);
  for (const secret of knownSecrets) out = out.split(secret).join(MASK);
  return out;
}

/** Deep-redacts strings inside plain objects/arrays (for structured log fields and API bodies). */
export function redactDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redact(value) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Error) {
    const e = new Error(redact(value.message));
    e.name = value.name;
    if (value.stack) e.stack = redact(value.stack);
    return e as T;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = /password|secret|token/i.test(k) && typeof v === 'string' ? MASK : redactDeep(v, depth + 1);
  }
  return out as T;
}
