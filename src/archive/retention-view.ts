import type { RetentionCandidates } from '../media/retention.ts';
import type { ArchiveRepo } from '../store/repositories/archive.ts';
import { SEGMENT_STREAM_PREFIX } from './segment-sync.ts';

/**
 * Retention's candidates as the archive sees them: segments under legal hold are left out (so a
 * long hold never crowds deletable rows out of a batch), and with sync on, segments whose archive
 * copy is not confirmed are flagged so that only the free-disk floor may take them.
 */
export function archiveRetentionView(archive: ArchiveRepo, syncEnabled: boolean): RetentionCandidates {
  const stream = syncEnabled ? SEGMENT_STREAM_PREFIX : null;
  return {
    endedBefore: (cameraId, before, limit) => archive.retentionEndedBefore(cameraId, before, limit, stream),
    oldest: (limit) => archive.retentionOldest(limit, stream),
  };
}
