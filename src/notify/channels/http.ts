import { ChannelError, type ChannelKind } from './types.ts';

/**
 * One HTTP request for a channel, with a timeout, turned into ok or a ChannelError:
 * 2xx ok; 408/429 and 5xx retryable; other 4xx (and redirects, which are not followed) not:
 * the request or the configured URL is wrong;
 * timeout, refused or unresolvable → retryable. `what` names the destination without secrets.
 */
export async function channelRequest(kind: ChannelKind, what: string, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new ChannelError(kind, `${what} unreachable: ${networkCause(err, timeoutMs)}`, true);
  }
  if (res.status >= 200 && res.status < 300) return res;
  const detail = (await res.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 200);
  throw new ChannelError(kind, `${what} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`, isRetryableStatus(res.status));
}

export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

function networkCause(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  // undici wraps the socket error (ECONNREFUSED, ENOTFOUND…) as the cause of "fetch failed"
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
}

/** host[:port] of a URL for messages (a URL's path or credentials may be secret); undefined when it does not parse */
export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
