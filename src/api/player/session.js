/* global document, fetch */
/**
 * The player page is authenticated by the session cookies of the sign-in. A request that changes
 * state also sends the CSRF cookie's value in a header, which only a page of this origin can read
 * (double submit); and the short-lived access cookie is renewed while the page stays open, so a
 * live view does not stop when its first access token expires.
 */

/** @returns {Record<string, string>} the X-CSRF-Token header, when signed in by cookie */
export function csrfHeader() {
  const m = /(?:^|;\s*)vigil_csrf=([^;]+)/.exec(document.cookie);
  return m ? { 'X-CSRF-Token': decodeURIComponent(m[1]) } : {};
}

/** well inside the access token's lifetime (15 min by default) */
const RENEW_EVERY_MS = 5 * 60_000;

/** Renews the session cookies periodically (the refresh token is rotated each time). */
export function keepSignedIn() {
  setInterval(() => {
    void fetch('/api/v1/auth/refresh', { method: 'POST', headers: csrfHeader() }).catch(() => undefined);
  }, RENEW_EVERY_MS);
}
