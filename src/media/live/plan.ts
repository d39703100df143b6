import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig, ResolvedCamera } from '../../config/load.ts';
import type { WorkerLiveOptions } from '../camera-worker.ts';
import { liveLayout } from './feeds.ts';
import { RtpPorts } from './rtp-ports.ts';

/** What the edge role runs for one camera's live view. */
export interface CameraLivePlan {
  /** main-stream HLS dir; null when live HLS is off */
  hlsDir: string | null;
  /** sub-stream HLS dir; null when the camera has no sub-stream configured */
  subHlsDir: string | null;
  /** whether WebRTC viewers get the main stream's feed */
  webrtc: boolean;
  /** live outputs of the camera's recording ffmpeg (its feed always: frames for analysis and snapshots come from it) */
  main: WorkerLiveOptions & Required<Pick<WorkerLiveOptions, 'rtp'>>;
  /** a second, live-only ffmpeg on the sub stream; the url holds credentials (redact before logging) */
  sub: { url: string; hlsDir: string } | null;
}

/** `<data_dir>/live`: scratch files only, rewritten by every ffmpeg run. */
export const liveDirOf = (loaded: LoadedConfig): string => path.join(loaded.paths.dataDir, 'live');

/** Plans each camera's live outputs as cameras start; a camera stopped gives its RTP ports back. */
export class LivePlanner {
  private readonly rtpPorts: RtpPorts;

  private constructor(private readonly loaded: LoadedConfig) {
    this.rtpPorts = new RtpPorts(loaded.config.live.rtp_base_port);
  }

  /** Empties the live dir first: files of earlier runs are stale. */
  static async create(loaded: LoadedConfig): Promise<LivePlanner> {
    await rm(liveDirOf(loaded), { recursive: true, force: true });
    return new LivePlanner(loaded);
  }

  async plan(camera: ResolvedCamera): Promise<CameraLivePlan> {
    const { live } = this.loaded.config;
    const layout = liveLayout(liveDirOf(this.loaded), camera.id);
    const rtpPort = await this.rtpPorts.take(camera.id);
    const subUrl = live.hls ? camera.substreamUrl : undefined;
    return {
      hlsDir: live.hls ? layout.hlsDir : null,
      subHlsDir: subUrl ? layout.subHlsDir : null,
      webrtc: live.webrtc,
      main: { hlsDir: live.hls ? layout.hlsDir : undefined, rtp: { port: rtpPort, sdpPath: layout.sdpPath } },
      sub: subUrl ? { url: subUrl, hlsDir: layout.subHlsDir } : null,
    };
  }

  release(cameraId: string): void {
    this.rtpPorts.release(cameraId);
  }
}
