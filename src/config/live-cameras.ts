import { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import type { ResolvedCamera } from './load.ts';

/** What one replacement of the camera list did, by camera. */
export interface CameraChange {
  added: ResolvedCamera[];
  removed: ResolvedCamera[];
  /** the new definitions of cameras whose source, name or settings differ */
  changed: ResolvedCamera[];
}

export interface CameraSource {
  list(): readonly ResolvedCamera[];
  get(id: string): ResolvedCamera | undefined;
  ids(): string[];
}

/**
 * The cameras this process runs now. Cameras are added, edited and removed through the API while
 * the process runs, so recording, analysis and the API read this one list instead of keeping a
 * copy of the list they were started with; whoever runs something per camera listens to `change`.
 */
export class LiveCameras extends EventEmitter<{ change: [CameraChange] }> implements CameraSource {
  private cameras = new Map<string, ResolvedCamera>();

  constructor(initial: readonly ResolvedCamera[] = []) {
    super();
    for (const c of initial) this.cameras.set(c.id, c);
  }

  list(): readonly ResolvedCamera[] {
    return [...this.cameras.values()];
  }

  get(id: string): ResolvedCamera | undefined {
    return this.cameras.get(id);
  }

  ids(): string[] {
    return [...this.cameras.keys()];
  }

  /** Makes `next` the list (enabled cameras only) and tells listeners what differs; nothing is emitted when nothing does. */
  replace(next: readonly ResolvedCamera[]): CameraChange {
    const nextById = new Map(next.map((c) => [c.id, c]));
    const change: CameraChange = {
      added: next.filter((c) => !this.cameras.has(c.id)),
      removed: [...this.cameras.values()].filter((c) => !nextById.has(c.id)),
      changed: next.filter((c) => this.cameras.has(c.id) && !isDeepStrictEqual(this.cameras.get(c.id), c)),
    };
    this.cameras = nextById;
    if (change.added.length || change.removed.length || change.changed.length) this.emit('change', change);
    return change;
  }

  /** Adds or replaces one camera. */
  put(camera: ResolvedCamera): CameraChange {
    const list = this.list();
    return this.replace(this.cameras.has(camera.id) ? list.map((c) => (c.id === camera.id ? camera : c)) : [...list, camera]);
  }

  remove(id: string): CameraChange {
    return this.replace(this.list().filter((c) => c.id !== id));
  }
}
