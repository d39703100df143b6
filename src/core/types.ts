/** Shapes that cross role boundaries (bus payloads). Field names follow seed §5.3. */

/** [x1, y1, x2, y2] in source-frame pixels. */
export type BBox = [number, number, number, number];

export interface Detection {
  class: string;
  confidence: number;
  bbox: BBox;
  track_id?: number;
}

/** One keyframe from a camera worker; natural key (camera_id, seq). Topic `streams.raw`. */
export interface FrameMessage {
  camera_id: string;
  /** capture time, ISO 8601 */
  timestamp: string;
  seq: number;
  width: number;
  height: number;
  jpeg: Buffer;
}

/** Topic `ai.detections`; natural key (camera_id, timestamp, frame_seq). */
export interface DetectionMessage {
  camera_id: string;
  timestamp: string;
  frame_seq: number;
  width: number;
  height: number;
  model: string;
  detections: Detection[];
}

export const TOPICS = {
  streamsRaw: 'streams.raw',
  streamsRawDlq: 'streams.raw.dlq',
  aiDetections: 'ai.detections',
  alertsCritical: 'alerts.critical',
  trainingData: 'training.data',
  systemMetrics: 'system.metrics',
  notificationsEmail: 'notifications.email',
  notificationsSms: 'notifications.sms',
  notificationsPush: 'notifications.push',
} as const;

/** Partition counts of seed §4.1. */
export const TOPIC_PARTITIONS: Record<string, number> = {
  [TOPICS.streamsRaw]: 8,
  [TOPICS.aiDetections]: 16,
  [TOPICS.alertsCritical]: 4,
};
