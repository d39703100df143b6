import type { BBox } from '../../core/types.ts';
import type { FaceEmbedder, FaceResult } from './types.ts';

/** The face models are not running (their start failed); the request was not attempted. */
export class FaceModelsDownError extends Error {
  constructor(readonly reason: string) {
    super(`face models not running: ${reason}`);
    this.name = 'FaceModelsDownError';
  }
}

export interface LazyFaceEmbedderOptions {
  /** starts the embedder, or gives the one already started (a failed start is retried by the next call) */
  get: () => Promise<FaceEmbedder>;
  /** the start failed while it was running or before it ever ran: once per outage */
  onDown: (reason: string) => void;
  /** it started after having failed */
  onUp: () => void;
  /** wait after the first failed start before the next try, doubling up to retryMaxMs (default 5 s … 5 min) */
  retryMinMs?: number;
  retryMaxMs?: number;
  now?: () => number;
}

/**
 * The face stage's embedder, started on the first face asked for rather than at start: a box
 * whose cameras see no person never holds the face models (~180 MB). A start that fails is
 * reported once (onDown) and tried again after a growing wait; meanwhile requests fail at once
 * with FaceModelsDownError, so a busy camera does not reload the models for every person.
 */
export function lazyFaceEmbedder(o: LazyFaceEmbedderOptions): Pick<FaceEmbedder, 'embedFaceInCrop'> {
  const now = o.now ?? Date.now;
  const retryMinMs = o.retryMinMs ?? 5_000;
  const retryMaxMs = o.retryMaxMs ?? 300_000;
  let down: { reason: string; retryAt: number; failures: number } | undefined;

  const embedder = async (): Promise<FaceEmbedder> => {
    if (down && now() < down.retryAt) throw new FaceModelsDownError(down.reason);
    try {
      const e = await o.get();
      if (down) {
        down = undefined;
        o.onUp();
      }
      return e;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // requests that waited on the same failed start count it once
      if (down && now() < down.retryAt) throw new FaceModelsDownError(reason);
      const failures = (down?.failures ?? 0) + 1;
      const first = !down;
      down = { reason, failures, retryAt: now() + Math.min(retryMaxMs, retryMinMs * 2 ** (failures - 1)) };
      if (first) o.onDown(reason);
      throw new FaceModelsDownError(reason);
    }
  };
  return {
    embedFaceInCrop: async (jpeg: Uint8Array, personBox: BBox): Promise<FaceResult> => (await embedder()).embedFaceInCrop(jpeg, personBox),
  };
}
