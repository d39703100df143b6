import path from 'node:path';
import type { Snapshot } from '../camera-worker.ts';
import type { RtpPacketSource } from '../feed/camera-feed.ts';
import type { LlHlsPackager } from '../llhls/packager.ts';

/** Where a camera's live copies are: filled by the edge role, read by the API (HLS files, WebRTC). */
export interface LiveFeed {
  cameraId: string;
  /** main-stream HLS dir (index.m3u8 and segments); null when live HLS is off */
  hlsDir: string | null;
  /** sub-stream HLS dir for grid views; null when the camera has no sub-stream configured */
  subHlsDir: string | null;
  /** low-latency HLS of the main stream, served from memory; null when live HLS is off */
  llHls: LlHlsPackager | null;
  /** the main stream's RTP for WebRTC viewers; null when WebRTC is off */
  rtp: RtpPacketSource | null;
  /** the newest keyframe as a JPEG (decoded on request, once per keyframe) */
  snapshot: () => Promise<Snapshot>;
}

export class LiveFeeds {
  private readonly feeds = new Map<string, LiveFeed>();

  set(feed: LiveFeed): void {
    this.feeds.set(feed.cameraId, feed);
  }

  get(cameraId: string): LiveFeed | undefined {
    return this.feeds.get(cameraId);
  }

  delete(cameraId: string): void {
    this.feeds.delete(cameraId);
  }

  list(): LiveFeed[] {
    return [...this.feeds.values()];
  }
}

/** `<liveDir>/<cameraId>/` (main HLS), `<liveDir>/<cameraId>/sub/` (sub HLS), `<liveDir>/<cameraId>.sdp`. */
export function liveLayout(liveDir: string, cameraId: string): { hlsDir: string; subHlsDir: string; sdpPath: string } {
  return { hlsDir: path.join(liveDir, cameraId), subHlsDir: path.join(liveDir, cameraId, 'sub'), sdpPath: path.join(liveDir, `${cameraId}.sdp`) };
}
