/**
 * One WHEP viewer: a werift peer connection with a sendonly H.264 track fed by the camera's fanout.
 * Non-trickle: the answer is returned once ICE gathering is complete. The session closes itself
 * when ICE/DTLS fail, stay disconnected, or never connect.
 */
import { randomUUID } from 'node:crypto';
import { MediaStreamTrack, PictureLossIndication, RTCPeerConnection, RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters, RtcpPayloadSpecificFeedback, type RTCPeerConnectionConfig } from 'werift';
import type { Logger } from '../../core/log.ts';
import { narrowOffer, OfferError } from './offer.ts';
import { PLAYOUT_DELAY_URI, withPlayoutDelay } from './playout-delay.ts';
import type { FanoutViewer, RtpFanout } from './rtp-fanout.ts';

export interface WhepSessionOptions {
  fanout: RtpFanout;
  offer: string;
  profileLevelId: string;
  /** ICE settings (merged over the defaults of the manager) */
  peer: RTCPeerConnectionConfig;
  log: Logger;
  /** called once when the session ends, whoever ended it (possibly during negotiation, before open returns) */
  onClose: (session: WhepSession) => void;
}

// RFC 5104 FIR's feedback message type (werift parses it but does not export the class)
const FIR_FMT = 4;
const GATHER_TIMEOUT_MS = 5_000;
// a client that got an answer but never connects must not hold a viewer slot
const CONNECT_TIMEOUT_MS = 15_000;
// ICE 'disconnected' may recover by itself (consent freshness); after this long it counts as gone
const DISCONNECTED_GRACE_MS = 5_000;
// a browser sends RTCP receiver reports every second or so: silence this long means the tab is gone
// (a closed tab often sends nothing, and ICE consent takes much longer to notice)
const RTCP_SILENCE_MS = 6_000;

export class WhepSession {
  readonly id = randomUUID();
  private viewer: FanoutViewer | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastRtcpAt = 0;
  /** undefined: the viewer did not offer the playout-delay extension */
  private playoutDelayId: number | undefined;

  private constructor(
    private readonly pc: RTCPeerConnection,
    private readonly opts: WhepSessionOptions,
  ) {}

  /** Negotiates and returns the session with its SDP answer; throws OfferError for an unusable offer. */
  static async open(opts: WhepSessionOptions): Promise<{ session: WhepSession; answer: string }> {
    const narrowed = narrowOffer(opts.offer, opts.profileLevelId);
    const codec = new RTCRtpCodecParameters({
      mimeType: 'video/H264', clockRate: 90_000, payloadType: narrowed.payloadType,
      parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${opts.profileLevelId.toLowerCase()}`,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
    });
    // audio is accepted only so that an offer asking for it negotiates; see negotiate()
    const opus = new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 });
    // the playout-delay extension, where the viewer offers it: render each frame at once
    const headerExtensions = { video: [new RTCRtpHeaderExtensionParameters({ uri: PLAYOUT_DELAY_URI })], audio: [] };
    const pc = new RTCPeerConnection({ ...opts.peer, codecs: { video: [codec], audio: [opus] }, headerExtensions });
    const session = new WhepSession(pc, opts);
    try {
      return { session, answer: await session.negotiate(narrowed.sdp) };
    } catch (err) {
      session.close();
      throw err;
    }
  }

  private async negotiate(offer: string): Promise<string> {
    const track = new MediaStreamTrack({ kind: 'video' });
    const transceiver = this.pc.addTransceiver(track, { direction: 'sendonly' });
    const { sender } = transceiver;
    // an audio track that never sends: werift would answer an audio section it has no track for with
    // port 0, and a rejected first section breaks the BUNDLE group the video is in
    if (/^m=audio /m.test(offer)) this.pc.addTransceiver(new MediaStreamTrack({ kind: 'audio' }), { direction: 'sendonly' });
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    } catch (err) {
      throw new OfferError(`the offer was rejected: ${(err as Error).message}`);
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.iceGathered();
    // the id the viewer gave the extension in its offer (werift answers with the offer's ids)
    this.playoutDelayId = transceiver.headerExtensions.find((e) => e.uri === PLAYOUT_DELAY_URI)?.id;

    sender.onRtcp.subscribe((packet) => {
      this.lastRtcpAt = Date.now();
      if (packet instanceof RtcpPayloadSpecificFeedback && [PictureLossIndication.count, FIR_FMT].includes(packet.feedback?.count)) {
        this.viewer?.requestKeyframe();
      }
    });
    this.pc.connectionStateChange.subscribe((state) => this.onConnectionState(state, track));
    this.arm(CONNECT_TIMEOUT_MS, 'never connected');
    const answer = this.pc.localDescription?.sdp;
    if (!answer) throw new Error('werift produced no local description');
    return answer;
  }

  /** true once ended (an offer without usable ICE/DTLS parameters fails during negotiation already) */
  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    this.viewer?.close();
    this.viewer = undefined;
    this.opts.onClose(this);
    this.pc.close().catch((err: unknown) => this.opts.log.warn({ err, session: this.id }, 'closing a WebRTC peer failed'));
  }

  private onConnectionState(state: string, track: MediaStreamTrack): void {
    if (this.closed) return;
    if (state === 'connected') {
      clearTimeout(this.timer);
      // the first packets a viewer gets are the cached GOP: it can decode at once
      this.viewer ??= this.opts.fanout.addViewer((packet) => track.writeRtp(withPlayoutDelay(packet, this.playoutDelayId)));
      this.lastRtcpAt = Date.now();
      this.watchdog ??= setInterval(() => {
        if (Date.now() - this.lastRtcpAt > RTCP_SILENCE_MS) this.closeBecause('no RTCP from the viewer');
      }, 1000);
      this.opts.log.info({ session: this.id }, 'WebRTC viewer connected');
    } else if (state === 'disconnected') {
      this.arm(DISCONNECTED_GRACE_MS, 'disconnected');
    } else if (state === 'failed' || state === 'closed') {
      this.opts.log.info({ session: this.id, state }, 'WebRTC viewer gone');
      this.close();
    }
  }

  private arm(ms: number, why: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.closeBecause(why), ms);
  }

  private closeBecause(why: string): void {
    this.opts.log.info({ session: this.id, why }, 'closing WebRTC viewer');
    this.close();
  }

  private async iceGathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('ICE gathering did not complete')), GATHER_TIMEOUT_MS);
      const { unSubscribe } = this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state !== 'complete') return;
        clearTimeout(timer);
        unSubscribe();
        resolve();
      });
    });
  }
}
