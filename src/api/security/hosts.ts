/**
 * Which host names and browser origins are this API's own.
 *
 * DNS rebinding: a web page on evil.example whose name the attacker re-points at 127.0.0.1 (or the
 * box's LAN address) is, to the browser, same-origin with itself, so it can read and write the API
 * through the victim's browser. The one thing it cannot change is the Host header: the browser
 * sends `evil.example`. So a request is served only when its Host names us: a configured name, or
 * an IP address (a rebinding page can never make the browser send an IP literal as Host, so LAN
 * access by address keeps working without configuration).
 *
 * Once the Host is known to be ours, an Origin whose host equals it is same-origin (the page was
 * served by this API); other origins are ours only when listed.
 */
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../route.ts';

const ALWAYS = ['localhost'];

/** A loopback name or address (also IPv4-mapped, as req.ip shows an IPv4 client of a dual-stack socket). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^::ffff:/i, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1';
  return false;
}
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '']);

/** Lower-case host name of a Host header value (`name:port`, `[v6]:port`), or undefined when it is not one. */
export function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    const url = new URL(`http://${host}`);
    // a Host header is host[:port], nothing else
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
    return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

export interface HostPolicyConfig {
  /** bind address */
  host: string;
  /** extra names (api.hostnames) */
  hostnames: readonly string[];
  publicUrl?: string;
}

/** The names a Host header may carry: localhost, the bind name, public_url's host and api.hostnames. */
export function allowedHostnames(c: HostPolicyConfig): ReadonlySet<string> {
  const names = [...ALWAYS, ...c.hostnames];
  if (!WILDCARD_BINDS.has(c.host)) names.push(c.host);
  if (c.publicUrl) names.push(new URL(c.publicUrl).hostname);
  return new Set(names.map((n) => n.replace(/^\[|\]$/g, '').toLowerCase()));
}

export class HostPolicy {
  constructor(
    private readonly hostnames: ReadonlySet<string>,
    /** origins (scheme://host:port) of other pages allowed to call us */
    private readonly extraOrigins: ReadonlySet<string> = new Set(),
  ) {}

  /** Throws 400 without a Host, 421 naming the setting when the Host is not ours. */
  assertHost(host: string | undefined): void {
    const name = hostnameOf(host);
    if (name === undefined) throw new HttpError(400, 'bad_request', 'the request needs a valid Host header');
    if (isIP(name) || this.hostnames.has(name)) return;
    throw new HttpError(421, 'misdirected_request', `this API does not answer to the host name '${name.slice(0, 100)}'; add it to api.hostnames (names are checked so that a page on another domain cannot reach this API through DNS rebinding)`);
  }

  /** An Origin (or a Referer's origin) of a page served by this API (same host as the validated Host), or listed. */
  isOurOrigin(origin: string, host: string | undefined): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (this.extraOrigins.has(url.origin)) return true;
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host?.toLowerCase() && this.hostAllowed(url.hostname);
  }

  private hostAllowed(hostname: string): boolean {
    const name = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return isIP(name) !== 0 || this.hostnames.has(name);
  }

  /** Fastify onRequest hook refusing requests for other host names. */
  readonly hook = async (req: FastifyRequest): Promise<void> => this.assertHost(req.headers.host);
}
