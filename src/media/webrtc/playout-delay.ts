/**
 * The playout-delay RTP header extension (http://www.webrtc.org/experiments/rtp-hdrext/playout-delay):
 * the sender's bounds on how long a WebRTC receiver may hold a frame before rendering it.
 *
 * A live camera view wants the newest picture, not the smoothest: with minimum = maximum = 0 Chromium
 * renders each frame as soon as it is decoded instead of holding it for its jitter estimate. Without
 * it, on a loaded 2-core box, Chromium held frames 11–65 ms per session (its jitter target follows
 * the host's scheduling noise, not the network's); with it, 2–6 ms (Chromium's receiver statistics in `npm run bench -- --only video-latency`).
 */
import { ExtensionProfiles, RtpPacket } from 'werift';

export const PLAYOUT_DELAY_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay';

/** The extension's 3 bytes: 12-bit minimum then 12-bit maximum, in 10 ms units (0–40.95 s). */
export function playoutDelayPayload(minMs: number, maxMs: number): Buffer {
  const [min, max] = [minMs, maxMs].map((ms) => Math.min(0xfff, Math.max(0, Math.round(ms / 10))));
  return Buffer.from([min! >> 4, ((min! & 0xf) << 4) | (max! >> 8), max! & 0xff]);
}

const RENDER_AT_ONCE = playoutDelayPayload(0, 0);

/**
 * A source packet as it goes to one viewer: its header extensions replaced by the viewer's
 * playout delay under the id the viewer negotiated (none when it did not). The source's own
 * extensions are numbered by the camera's SDP, which the viewer never saw.
 */
export function withPlayoutDelay(packet: Buffer, extensionId: number | undefined): RtpPacket {
  const rtp = RtpPacket.deSerialize(packet);
  const { header } = rtp;
  header.extensions = extensionId === undefined ? [] : [{ id: extensionId, payload: RENDER_AT_ONCE }];
  header.extension = header.extensions.length > 0;
  header.extensionProfile = ExtensionProfiles.OneByte;
  return rtp;
}
