/**
 * The live alert feed over /ws/alerts. After a drop (network, API restart, a slow client closed by
 * the server) it reconnects with a growing delay and resumes with `since` = the last change it saw,
 * so the server replays exactly what was missed. Every frame is parsed with the contract's schema.
 */
import { useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import { alertFeedFrame } from '@contract/alerts.ts';
import { refreshSession } from '../../api/client.ts';

export type AlertFrame = Extract<z.infer<typeof alertFeedFrame>, { type: 'alert' }>;
export type FeedState = 'connecting' | 'live' | 'reconnecting';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
/** the server closes a socket whose session was revoked or expired with 4001: refresh first */
const CLOSE_UNAUTHORISED = 4001;

export function feedUrl(since: number | null): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws/alerts${since === null ? '' : `?since=${since}`}`;
}

/**
 * Calls `onAlert` for every alert change (replayed ones first after a reconnect); returns the
 * connection state and when the feed last spoke (shown while it is reconnecting).
 */
export function useAlertFeed(onAlert: (f: AlertFrame) => void): { state: FeedState; lastUpdate: Date | null } {
  const [state, setState] = useState<FeedState>('connecting');
  const [lastUpdate, setLastUpdate] = useState<Date | null>(null);
  const handler = useRef(onAlert);
  handler.current = onAlert;

  useEffect(() => {
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastSeq: number | null = null;
    let delay = FIRST_RETRY_MS;
    let stopped = false;

    const connect = () => {
      socket = new WebSocket(feedUrl(lastSeq));
      socket.onmessage = (m) => {
        const parsed = alertFeedFrame.safeParse(JSON.parse(String(m.data)));
        if (!parsed.success) return;
        const frame = parsed.data;
        setLastUpdate(new Date());
        if (frame.type === 'hello') {
          delay = FIRST_RETRY_MS;
          lastSeq ??= frame.seq;
          setState('live');
        } else if (frame.type === 'alert') {
          lastSeq = Math.max(lastSeq ?? 0, frame.seq);
          handler.current(frame);
        }
      };
      socket.onclose = (e) => {
        if (stopped) return;
        setState('reconnecting');
        const retry = () => { timer = setTimeout(connect, delay); delay = Math.min(delay * 2, MAX_RETRY_MS); };
        // an expired access token: refresh the session, then resume
        if (e.code === CLOSE_UNAUTHORISED || e.code === 1006) void refreshSession().finally(retry);
        else retry();
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close(1000, 'page left');
    };
  }, []);
  return { state, lastUpdate };
}
