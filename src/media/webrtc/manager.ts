/**
 * WebRTC live view for every camera: one RtpFanout per camera (created on first use and kept: a
 * feed that always flows keeps its GOP cache warm for the next viewer; a demand-driven one replays
 * its current GOP when a viewer comes), WHEP sessions bounded per camera.
 */
import type { RTCPeerConnectionConfig } from 'werift';
import type { Logger } from '../../core/log.ts';
import type { RtpPacketSource } from '../feed/camera-feed.ts';
import { OfferError } from './offer.ts';
import { RtpFanout } from './rtp-fanout.ts';
import { WhepSession } from './whep-session.ts';

export interface WebRtcManagerOptions {
  /** the camera's RTP (its live feed), or undefined when it has none for WebRTC */
  rtpSource: (cameraId: string) => RtpPacketSource | undefined;
  maxViewersPerCamera?: number;
  /** ICE and other peer settings; the default offers only a loopback host candidate */
  peer?: RTCPeerConnectionConfig;
  /** how long a first viewer waits for the stream's SPS (its profile-level-id) */
  codecWaitMs?: number;
  log: Logger;
}

/** The camera cannot serve a WebRTC viewer right now (503 for a client). */
export class LiveUnavailableError extends Error {}

export const DEFAULT_MAX_VIEWERS_PER_CAMERA = 20;
// host candidates on loopback only: no STUN/TURN is reachable, and a viewer on this box is enough
// until a deployment overrides `peer` (e.g. iceUseIpv4: true for the LAN, iceServers for TURN)
const LOOPBACK_ONLY: RTCPeerConnectionConfig = { iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceServers: [] };

interface CameraLive {
  source: RtpPacketSource;
  fanout: RtpFanout;
  sessions: Map<string, WhepSession>;
  /** offers being negotiated: they hold a viewer slot too, so concurrent offers cannot exceed the maximum */
  negotiating: number;
}

export class WebRtcManager {
  private readonly cameras = new Map<string, CameraLive>();
  private readonly starting = new Map<string, Promise<CameraLive>>();
  private readonly maxViewers: number;

  constructor(private readonly opts: WebRtcManagerOptions) {
    this.maxViewers = opts.maxViewersPerCamera ?? DEFAULT_MAX_VIEWERS_PER_CAMERA;
  }

  /** Starts a viewer session: returns its id and the SDP answer. Throws LiveUnavailableError or OfferError. */
  async createSession(cameraId: string, offer: string): Promise<{ sessionId: string; answer: string }> {
    const live = await this.live(cameraId);
    if (live.sessions.size + live.negotiating >= this.maxViewers) throw new LiveUnavailableError(`camera '${cameraId}' already has ${this.maxViewers} WebRTC viewers (the maximum); use HLS`);
    live.negotiating += 1;
    try {
      const profileLevelId = await live.fanout.profileLevelId(this.opts.codecWaitMs ?? 3_000);
      if (!profileLevelId) throw new LiveUnavailableError(`no H.264 video has arrived yet from camera '${cameraId}'; retry shortly`);
      const log = this.opts.log.child({ camera_id: cameraId });
      const { session, answer } = await WhepSession.open({
        fanout: live.fanout, offer, profileLevelId, log,
        peer: { ...LOOPBACK_ONLY, ...this.opts.peer },
        onClose: (s) => live.sessions.delete(s.id),
      });
      // ICE/DTLS can fail while the answer is made (an offer without ice-ufrag, ice-pwd or fingerprint):
      // such a session is over already and must not take a slot
      if (session.isClosed) throw new OfferError('the offer could not be negotiated: the connection failed at once (does it carry ice-ufrag, ice-pwd and a fingerprint?)');
      live.sessions.set(session.id, session);
      return { sessionId: session.id, answer };
    } finally {
      live.negotiating -= 1;
    }
  }

  /** false when there is no such session (already gone) */
  deleteSession(cameraId: string, sessionId: string): boolean {
    const sessions = this.cameras.get(cameraId)?.sessions;
    const session = sessions?.get(sessionId);
    session?.close();
    // whatever state the session was in, DELETE frees its slot
    sessions?.delete(sessionId);
    return session !== undefined;
  }

  /** Sets up a camera's fanout before the first viewer asks (a feed that always flows is received from then on), so that viewer starts at once. */
  async warm(cameraId: string): Promise<void> {
    await this.live(cameraId);
  }

  stats(cameraId: string): { viewers: number; upstream: ReturnType<RtpFanout['stats']> } | undefined {
    const live = this.cameras.get(cameraId);
    return live && { viewers: live.sessions.size, upstream: live.fanout.stats() };
  }

  stop(): void {
    for (const live of this.cameras.values()) {
      for (const session of live.sessions.values()) session.close();
      live.fanout.stop();
    }
    this.cameras.clear();
  }

  private async live(cameraId: string): Promise<CameraLive> {
    const source = this.opts.rtpSource(cameraId);
    if (!source) throw new LiveUnavailableError(`camera '${cameraId}' has no live feed (not streaming, or disabled)`);
    const existing = this.cameras.get(cameraId);
    if (existing && existing.source === source) return existing;
    const pending = this.starting.get(cameraId);
    if (pending) return pending;
    const start = (async () => {
      // the camera was restarted with another feed: the old fanout and its viewers are stale
      if (existing) this.retire(existing);
      const fanout = new RtpFanout({ source, log: this.opts.log.child({ camera_id: cameraId }) });
      await fanout.start();
      const live: CameraLive = { source, fanout, sessions: new Map(), negotiating: 0 };
      this.cameras.set(cameraId, live);
      return live;
    })();
    this.starting.set(cameraId, start);
    try {
      return await start;
    } finally {
      this.starting.delete(cameraId);
    }
  }

  private retire(live: CameraLive): void {
    for (const session of live.sessions.values()) session.close();
    live.fanout.stop();
  }
}
