/**
 * Security headers on every response, errors and 404s included (@fastify/helmet). Everything the
 * API serves comes from its own origin: scripts only from /assets (no inline script, no eval),
 * media from blob: URLs hls.js makes. No CORS headers are ever sent, so other origins cannot read
 * responses.
 */
import type { FastifyHelmetOptions } from '@fastify/helmet';

export const CONTENT_SECURITY_POLICY = {
  // not helmet's defaults: those allow inline styles and https: fonts, and upgrade-insecure-requests
  // breaks a plain-HTTP install on a LAN (the browser would fetch /assets over https)
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    mediaSrc: ["'self'", 'blob:'],
    workerSrc: ["'self'", 'blob:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    // the player page may be embedded by a dashboard of the same origin, nowhere else
    frameAncestors: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
};

export const helmetOptions = (tls: boolean): FastifyHelmetOptions => ({
  global: true,
  contentSecurityPolicy: CONTENT_SECURITY_POLICY,
  referrerPolicy: { policy: 'no-referrer' },
  // HSTS only means something over HTTPS; not for sub-domains, which may be other services
  strictTransportSecurity: tls ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
});
