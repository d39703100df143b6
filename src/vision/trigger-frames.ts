import { triggerFrameKey, triggerFramePrefix } from '../analytics/track-events.ts';
import type { Logger } from '../core/log.ts';
import type { FrameMessage } from '../core/types.ts';
import type { Objects } from '../objects/port.ts';

/**
 * The analysed frames with detections of the last `keepMs`, in the snapshots bucket, so the
 * analytics role — another process, perhaps — can save the frame a rule fired on as its event's
 * snapshot (the frame's box and picture then match). Frames older than that are deleted; the
 * leftovers of a previous run are picked up at start and deleted on the same schedule.
 */
export class TriggerFrames {
  /** written keys, oldest first, with when they may go */
  private readonly queue: Array<{ key: string; expires: number }> = [];

  constructor(
    private readonly objects: Objects,
    private readonly keepMs: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** queues what a previous run left of these cameras' frames */
  async adopt(cameraIds: readonly string[]): Promise<void> {
    const found: Array<{ key: string; expires: number }> = [];
    for (const cameraId of cameraIds) {
      for await (const o of this.objects.list('snapshots', triggerFramePrefix(cameraId))) found.push({ key: o.key, expires: o.modified.getTime() + this.keepMs });
    }
    this.queue.unshift(...found.sort((a, b) => a.expires - b.expires));
  }

  /** stores the frame (before its detections are published) and deletes the frames that expired */
  async keep(frame: Pick<FrameMessage, 'camera_id' | 'timestamp' | 'seq' | 'jpeg'>): Promise<void> {
    const key = triggerFrameKey(frame.camera_id, frame.timestamp, frame.seq);
    await this.objects.put('snapshots', key, frame.jpeg, 'image/jpeg');
    this.queue.push({ key, expires: this.now() + this.keepMs });
    await this.prune();
  }

  private async prune(): Promise<void> {
    const now = this.now();
    while (this.queue.length && this.queue[0]!.expires <= now) {
      const { key } = this.queue.shift()!;
      // a frame that cannot be deleted now is left to the storage retention; the next ones still go
      await this.objects.delete('snapshots', key).catch((err: unknown) => this.log.warn({ camera_id: key.split('/')[0], key, cause: (err as Error).message }, 'trigger frame not deleted'));
    }
  }
}
