import { describe, expect, it } from 'vitest';
import { clipPending } from './event-query.ts';

describe('clipPending', () => {
  const now = Date.parse('2026-12-07T10:00:00Z');
  const event = (end: string | null, clip: string | null) => ({ start_time: '2026-12-07T09:58:00Z', end_time: end, clip_url: clip }) as Parameters<typeof clipPending>[0];

  it('waits for the clip of a recent or still open event, not for one that has its clip or is long over', () => {
    expect(clipPending(event('2026-12-07T09:59:30Z', null), now)).toBe(true);
    expect(clipPending(event(null, null), now)).toBe(true);
    expect(clipPending(event('2026-12-07T09:59:30Z', '/api/v1/events/1/clip'), now)).toBe(false);
    expect(clipPending(event('2026-12-07T09:30:00Z', null), now)).toBe(false);
  });
});
