/**
 * Which Web Push endpoints Vigil sends to. A subscription's endpoint is a URL chosen by whoever
 * registers it, and Vigil POSTs to it: without a check, a subscription for https://127.0.0.1:5432/
 * or https://169.254.169.254/ makes Vigil probe its own network (server-side request forgery), and
 * the dead-letter list shows what answered. Browsers only ever subscribe with their vendor's push
 * service, so only those hosts are accepted (notifications.push.allowed_hosts): https on the default
 * port, a host name (never an IP address), and no user info.
 */
import { isIP } from 'node:net';

export const PUSH_SERVICE_HOSTS = [
  'fcm.googleapis.com', 'updates.push.services.mozilla.com', '*.notify.windows.com', 'web.push.apple.com', '*.push.apple.com',
] as const;

/** `*.example.com` matches any sub-domain (not example.com itself); other entries match exactly. */
function hostAllowed(hostname: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e.startsWith('*.') ? hostname.endsWith(e.slice(1)) && hostname.length > e.length - 1 : hostname === e;
  });
}

/** Why `endpoint` may not be pushed to, or undefined when it may. */
export function pushEndpointProblem(endpoint: string, allowedHosts: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:') return 'a push endpoint must be https';
  if (url.username || url.password) return 'a push endpoint carries no user name or password';
  if (url.port) return 'a push endpoint uses the default https port';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host)) return 'a push endpoint names its push service by host name, not an IP address';
  if (!hostAllowed(host, allowedHosts)) return `${host} is not a known push service (notifications.push.allowed_hosts)`;
  return undefined;
}
