/** Shapes that cross role boundaries (bus payloads). Field names follow seed §5.3. */

/** [x1, y1, x2, y2] in source-frame pixels. */
export type BBox = [number, number, number, number];

export interface Detection {
  class: string;
  confidence: number;
  bbox: BBox;
  track_id?: number;
  /** true: the detector skipped this frame and the box is where the track's motion model puts it */
  predicted?: boolean;
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
  /** tracks whose best view (snapshot) is this frame: their events take this frame's box */
  snapshot_tracks?: number[];
  /**
   * true: analysed after the fact from the recording (catch-up), not live. timestamp is still the
   * capture time; frames of one camera's late stream come in capture order, behind its live ones.
   */
  late?: boolean;
}

/** Topic `alerts.critical` (key camera_id), written to the outbox with the alert (issue 5 shared interface). */
export interface AlertMessage {
  kind: 'new' | 'escalation';
  alert_id: number;
  event_id: number;
  camera_id: string;
  camera_name?: string;
  rule_id: string;
  rule_type: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  night: boolean;
  title: string;
  /** ISO 8601 */
  at: string;
  created_at: string;
  /** objects bucket 'snapshots' key */
  snapshot_key?: string;
  /** absolute, from config api.public_url */
  event_url: string;
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
  /** dead-lettered notification deliveries (also in table notification_dlq) */
  notificationsDlq: 'notifications.dlq',
} as const;

/** Partition counts of seed §4.1. */
export const TOPIC_PARTITIONS: Record<string, number> = {
  [TOPICS.streamsRaw]: 8,
  [TOPICS.aiDetections]: 16,
  [TOPICS.alertsCritical]: 4,
};

/**
 * Which frames become JPEGs for analysis. `keyframes` (default): the decoder skips every other
 * frame (`-skip_frame nokey`), ~1 fps when GOP = frame rate, 2.2 CPU-s per stream-minute (measured on the 2-core box this product is sized for).
 * `fps`: every frame is decoded and `fps=N` keeps N per second, for cameras where something
 * crosses the view in ~2 s and would be missed at 1 fps. Measured on the 960x1080 25 fps sample
 * (decode + JPEG, CPU-s per stream-minute): keyframes 1.1, fps 1 2.5, fps 5 3.8; inference N times more.
 */
export type AnalysisRate = { mode: 'keyframes' } | { mode: 'fps'; fps: number };
/** What the rules engine emits (src/analytics/rules) and the alerts repository stores. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type RuleType = 'zone_enter' | 'zone_exit' | 'zone_presence' | 'line_cross' | 'loitering' | 'crowd' | 'abandoned_object';

export interface RuleTrigger {
  /** idempotency key, also the event's events.event_key: stable across replays, e.g. `${cameraId}:rule:${ruleId}:${trackId}:${startedAtMs}` */
  key: string;
  ruleId: string;
  ruleName: string;
  ruleType: RuleType;
  cameraId: string;
  zoneId?: string;
  /** frame timestamp that fired */
  at: Date;
  /** when the condition began (entered zone, crowd formed, object left) */
  startedAt: Date;
  trackIds: number[];
  label: string;
  confidence: number;
  bbox: BBox;
  severity: Severity;
  night: boolean;
  /** the rule asks for an alert (else: an event only) */
  alert: boolean;
  /** rule in test mode: evaluated and logged/counted, nothing written, no alert */
  testMode: boolean;
  /** human-readable one-liner, e.g. "Person loitering in Plaza for 5 min 12 s" */
  title: string;
  details: Record<string, unknown>;
  /** fired on frames analysed after the fact from the recording (catch-up): its event is marked late */
  late?: boolean;
}
