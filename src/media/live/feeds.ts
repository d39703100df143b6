import path from 'node:path';

/** Where a camera's live copies are: filled by the edge role, read by the API (HLS files, WebRTC). */
export interface LiveFeed {
  cameraId: string;
  /** main-stream HLS dir (index.m3u8 and segments); null when live HLS is off */
  hlsDir: string | null;
  /** sub-stream HLS dir for grid views; null when the camera has no sub-stream configured */
  subHlsDir: string | null;
  /** UDP port on 127.0.0.1 the main stream's RTP arrives at (RTCP at + 1); null when WebRTC is off */
  rtpPort: number | null;
  /** SDP of that RTP stream, written by ffmpeg once connected (absent while the camera is down) */
  sdpPath: string | null;
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
