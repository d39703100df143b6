import type { Bus, Subscription } from '../../bus/port.ts';
import { TOPICS, type FrameMessage } from '../../core/types.ts';

/** The newest decoded frame of a camera: a JPEG at the source resolution, in the pixels zones are drawn in. */
export interface LatestFrame {
  jpeg: Buffer;
  at: Date;
  width: number;
  height: number;
}

export interface LatestFrames {
  get(cameraId: string): LatestFrame | undefined;
  stop(): Promise<void>;
}

const GROUP = 'api-latest-frames';

/**
 * Keeps each camera's newest frame of streams.raw (the frames the edge role decodes for
 * detection), for a still of what the camera sees now: the settings pages draw zones on it. A
 * consumer group of its own starting at the newest record, so it never replays old frames.
 */
export async function followLatestFrames(bus: Bus): Promise<LatestFrames> {
  const frames = new Map<string, LatestFrame>();
  await bus.ensureTopic(TOPICS.streamsRaw);
  const sub: Subscription = await bus.subscribe<FrameMessage>({
    topic: TOPICS.streamsRaw, group: GROUP, start: 'latest',
    handler: async ({ value: f }) => {
      const at = new Date(f.timestamp);
      const prev = frames.get(f.camera_id);
      if (!prev || at >= prev.at) frames.set(f.camera_id, { jpeg: Buffer.from(f.jpeg), at, width: f.width, height: f.height });
    },
  });
  return { get: (id) => frames.get(id), stop: () => sub.stop() };
}
