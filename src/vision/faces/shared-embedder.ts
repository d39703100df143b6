import type { FaceEmbedder } from './types.ts';

/**
 * The face embedder of one process, shared by its roles (the api role's photo search and the
 * inference role's face stage): a model set costs ~200 MB, so it starts once, on first use. A
 * failed start is retried by the next `get`. Its owner (the role context) closes it after the
 * roles have stopped.
 */
export interface SharedFaceEmbedder {
  get(): Promise<FaceEmbedder>;
  /** closes the embedder if it was started; later `get`s reject */
  close(): Promise<void>;
}

export function sharedFaceEmbedder(create: () => Promise<FaceEmbedder>): SharedFaceEmbedder {
  let started: Promise<FaceEmbedder> | undefined;
  let closed = false;
  return {
    get() {
      if (closed) return Promise.reject(new Error('the face embedder is closed (shutting down)'));
      return (started ??= create().catch((err: unknown) => {
        started = undefined;
        throw err;
      }));
    },
    async close() {
      closed = true;
      await (await started?.catch(() => undefined))?.close();
    },
  };
}
