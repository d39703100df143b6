/** The `error` codes of every 4xx/5xx body (`{"error": code, "message": reason}`). */
export const ERROR_CODES = [
  'bad_request', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'too_large', 'unsupported_media_type',
  'rate_limited', 'mfa_required', 'unavailable', 'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
