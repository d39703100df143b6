import type { Objects } from '../objects/port.ts';

/**
 * An Objects whose adapter is created on first use, and again on the next call if creating it
 * failed (an archive mount that is not there yet): the failure reaches the caller's retry loop
 * instead of stopping Vigil from starting, since recording must never wait on the archive.
 */
export function lazyObjects(create: () => Objects): Objects {
  let objects: Objects | undefined;
  const get = (): Objects => (objects ??= create());
  return {
    put: (...a) => get().put(...a),
    get: (...a) => get().get(...a),
    stream: (...a) => get().stream(...a),
    head: (...a) => get().head(...a),
    delete: (...a) => get().delete(...a),
    list: (...a) => get().list(...a),
    presignGet: (...a) => get().presignGet(...a),
    applyLifecycle: (...a) => get().applyLifecycle(...a),
    setLegalHold: (...a) => get().setLegalHold(...a),
  };
}
