import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig } from '../../config/load.ts';
import { cpPlusUrl } from '../../config/cpplus.ts';
import type { WorkerLiveOptions } from '../camera-worker.ts';
import { liveLayout, type LiveFeed } from './feeds.ts';
import { allocateRtpPorts } from './rtp-ports.ts';

/** What the edge role runs for one camera's live view. */
export interface CameraLivePlan {
  feed: LiveFeed;
  /** live outputs of the camera's recording ffmpeg */
  main: WorkerLiveOptions;
  /** a second, live-only ffmpeg on the sub stream; the url holds credentials (redact before logging) */
  sub: { url: string; hlsDir: string } | null;
}

/** `<data_dir>/live`: scratch files only, rewritten by every ffmpeg run. */
export const liveDirOf = (loaded: LoadedConfig): string => path.join(loaded.paths.dataDir, 'live');

/** Sub-stream URLs (CP PLUS stream=1 of the same channel) of the cameras configured with `substream: true`. */
export function subStreamUrls(loaded: LoadedConfig): Map<string, string> {
  const urls = new Map<string, string>();
  for (const site of loaded.config.sites) {
    for (const cam of site.cameras) {
      const dvr = site.dvrs.find((d) => d.id === cam.dvr);
      // the loader has already put the env secrets into the DVR entries
      if (cam.substream && dvr && cam.channel) urls.set(cam.id, cpPlusUrl({ host: dvr.host, port: dvr.port, username: dvr.username, password: dvr.password, channel: cam.channel, stream: 1 }));
    }
  }
  return urls;
}

/** Plans every camera's live outputs and empties the live dir (files of earlier runs are stale). */
export async function planLive(loaded: LoadedConfig): Promise<Map<string, CameraLivePlan>> {
  const { live } = loaded.config;
  await rm(liveDirOf(loaded), { recursive: true, force: true });
  const ids = loaded.cameras.map((c) => c.id);
  const rtpPorts = live.webrtc ? await allocateRtpPorts(ids, live.rtp_base_port) : new Map<string, number>();
  const subUrls = live.hls ? subStreamUrls(loaded) : new Map<string, string>();
  const plans = new Map<string, CameraLivePlan>();
  for (const id of ids) {
    const layout = liveLayout(liveDirOf(loaded), id);
    const rtpPort = rtpPorts.get(id);
    const subUrl = subUrls.get(id);
    plans.set(id, {
      feed: {
        cameraId: id,
        hlsDir: live.hls ? layout.hlsDir : null,
        subHlsDir: subUrl ? layout.subHlsDir : null,
        rtpPort: rtpPort ?? null,
        sdpPath: rtpPort ? layout.sdpPath : null,
      },
      main: { hlsDir: live.hls ? layout.hlsDir : undefined, rtp: rtpPort ? { port: rtpPort, sdpPath: layout.sdpPath } : undefined },
      sub: subUrl ? { url: subUrl, hlsDir: layout.subHlsDir } : null,
    });
  }
  return plans;
}
