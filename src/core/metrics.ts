import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Process-wide metrics with the names of seed §10.2. prom-client's default metrics are not
 * registered: `promtool check metrics` rejects its `nodejs_active_*_total` gauges.
 */
export const registry = new Registry();

const cam = ['camera_id'] as const;

export const metrics = {
  streamActive: new Gauge({ name: 'stream_active', help: 'Camera stream connected (0/1)', labelNames: cam, registers: [registry] }),
  streamFps: new Gauge({ name: 'stream_fps', help: 'Analysed keyframes per second actually received', labelNames: cam, registers: [registry] }),
  streamBitrate: new Gauge({ name: 'stream_bitrate', help: 'Recorded bitrate in kbps', labelNames: cam, registers: [registry] }),
  streamReconnects: new Counter({ name: 'stream_reconnect_total', help: 'Camera worker restarts', labelNames: cam, registers: [registry] }),
  streamLatency: new Histogram({ name: 'stream_latency_seconds', help: 'Frame arrival to detections published', labelNames: cam, buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [registry] }),
  inferenceDuration: new Histogram({ name: 'ai_inference_duration_seconds', help: 'Detector latency per frame', labelNames: ['model'], buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5], registers: [registry] }),
  detections: new Counter({ name: 'ai_detection_total', help: 'Detections by model and class', labelNames: ['model', 'class'], registers: [registry] }),
  queueDepth: new Gauge({ name: 'ai_queue_depth', help: 'Frames waiting for or in inference, per detector pool', labelNames: ['model'], registers: [registry] }),
  batchSize: new Gauge({ name: 'ai_batch_size_current', help: 'Frames in the last model call', labelNames: ['model'], registers: [registry] }),
  batchFrames: new Histogram({ name: 'ai_batch_frames', help: 'Frames per detector job (detection.batch_size at most; a tiled frame\'s tiles are inputs of the same model calls), one bucket per size', labelNames: ['model'], buckets: Array.from({ length: 16 }, (_, i) => i + 1), registers: [registry] }),
  framesOffered: new Counter({ name: 'ai_frames_received_total', help: 'Live frames offered to analysis (the base of ai_frames_skipped_total)', labelNames: cam, registers: [registry] }),
  analysisLag: new Gauge({ name: 'analysis_lag_seconds', help: 'How far the oldest recorded moment not yet analysed (live frames skipped, inference down) lies behind the newest analysed one; 0 when analysis is complete', labelNames: cam, registers: [registry] }),
  catchupFrames: new Counter({ name: 'ai_catchup_frames_total', help: 'Recorded frames analysed after the fact (catch-up of frames live analysis skipped); outcome: analysed, failed', labelNames: ['camera_id', 'outcome'], registers: [registry] }),
  framesCoasted: new Counter({ name: 'ai_frames_coasted_total', help: 'Live frames analysed without the detector because the tracks explained all motion (detection.coast; of ai_frames_received_total)', labelNames: cam, registers: [registry] }),
  framesSkipped: new Counter({ name: 'ai_frames_skipped_total', help: 'Live frames not analysed (recording unaffected); reason: queue_full, stale, bad_frame, failed', labelNames: ['camera_id', 'reason'], registers: [registry] }),
  trainingFrames: new Counter({ name: 'ai_training_frames_total', help: 'Uncertain frames offered to training-data/auto (seed §5.5 source 1); outcome: saved, failed', labelNames: ['camera_id', 'outcome'], registers: [registry] }),
  events: new Counter({ name: 'events_total', help: 'Events created', labelNames: ['type', 'severity'], registers: [registry] }),
  diskFree: new Gauge({ name: 'edge_disk_free_bytes', help: 'Free bytes on the recordings volume', registers: [registry] }),
  diskTotal: new Gauge({ name: 'edge_disk_total_bytes', help: 'Size of the recordings volume', registers: [registry] }),
  memoryUsage: new Gauge({ name: 'edge_memory_usage_percent', help: 'Host memory in use', registers: [registry] }),
  processMemory: new Gauge({
    name: 'process_memory_bytes', help: 'This process\'s memory, read at scrape time: rss (all threads, native memory included), and the main thread\'s V8 heap_total, heap_used and external (ArrayBuffers, PGlite\'s WebAssembly memory)', labelNames: ['kind'], registers: [registry],
    // prom-client's default metrics would give the same, but promtool rejects some of them (see above)
    collect() {
      const m = process.memoryUsage();
      for (const [kind, bytes] of [['rss', m.rss], ['heap_total', m.heapTotal], ['heap_used', m.heapUsed], ['external', m.external]] as const) this.set({ kind }, bytes);
    },
  }),
  consumerLag: new Gauge({ name: 'kafka_consumer_lag', help: 'Bus records not yet committed by a consumer group', labelNames: ['topic', 'group'], registers: [registry] }),
  apiDuration: new Histogram({ name: 'api_request_duration_seconds', help: 'API response time', labelNames: ['path'], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [registry] }),
  apiRequests: new Counter({ name: 'api_requests_total', help: 'API responses by status and route', labelNames: ['status', 'path'], registers: [registry] }),
  eventLoopStalls: new Counter({ name: 'process_event_loop_stalls_total', help: 'Times the process was blocked for a second or more (its watchdogs do not count that time against cameras)', registers: [registry] }),
  eventLoopStalledSeconds: new Counter({ name: 'process_event_loop_stalled_seconds_total', help: 'Seconds the process was blocked in such stalls', registers: [registry] }),
  camerasOnline: new Gauge({ name: 'cameras_online_total', help: 'Cameras currently streaming', registers: [registry] }),
  healthStatus: new Gauge({ name: 'app_health_status', help: '0 healthy, 1 degraded, 2 critical', labelNames: ['service'], registers: [registry] }),
  segmentsDeleted: new Counter({ name: 'recording_segments_deleted_total', help: 'Segments removed by retention', labelNames: ['camera_id', 'reason'], registers: [registry] }),
  storageUsed: new Gauge({ name: 'storage_used_bytes', help: 'Bytes in the data dir per storage class, as of the last storage sweep', labelNames: ['class'], registers: [registry] }),
  storageBudget: new Gauge({ name: 'storage_budget_bytes', help: 'The data dir\'s storage budget in force (storage.budget_bytes, or what the disk holds above recording.min_free_bytes)', registers: [registry] }),
  storageDeleted: new Counter({ name: 'storage_deleted_bytes_total', help: 'Bytes deleted by the storage sweep per class; reason: age (retention), cap (class size or count cap), budget (over budget or below the free-disk floor)', labelNames: ['class', 'reason'], registers: [registry] }),
  archiveLagSegments: new Gauge({ name: 'archive_sync_lag_segments', help: 'Closed segments not yet confirmed in the archive', labelNames: cam, registers: [registry] }),
  archiveLagBytes: new Gauge({ name: 'archive_sync_lag_bytes', help: 'Bytes of closed segments not yet confirmed in the archive', labelNames: cam, registers: [registry] }),
  archiveLastSync: new Gauge({ name: 'archive_last_sync_timestamp_seconds', help: 'Unix time of the last segment copy confirmed in the archive', labelNames: cam, registers: [registry] }),
  archiveUploaded: new Counter({ name: 'archive_uploaded_bytes_total', help: 'Bytes written to the archive', labelNames: ['bucket'], registers: [registry] }),
  archiveErrors: new Counter({ name: 'archive_sync_errors_total', help: 'Sync rounds failed (archive unreachable or rejecting writes)', registers: [registry] }),
  archiveDeleted: new Counter({ name: 'archive_objects_deleted_total', help: 'Archived objects deleted by the archive policy', labelNames: ['bucket'], registers: [registry] }),
  alertsActive: new Gauge({ name: 'alerts_active', help: 'Unacknowledged alerts', labelNames: ['severity'], registers: [registry] }),
  alertAckDuration: new Histogram({ name: 'alert_ack_duration_seconds', help: 'Alert creation to acknowledgement', buckets: [10, 30, 60, 120, 300, 600, 900, 1800, 3600], registers: [registry] }),
  outboxBacklog: new Gauge({ name: 'alerts_outbox_backlog', help: 'Outbox messages (alerts.critical) not yet published to the bus', registers: [registry] }),
  ruleTriggers: new Counter({ name: 'rule_triggers_total', help: 'Rule triggers by rule type and outcome: recorded, duplicate (replay of a recorded trigger), test_mode (logged only)', labelNames: ['rule_type', 'outcome'], registers: [registry] }),
  notifications: new Counter({ name: 'notifications_total', help: 'Notification deliveries by channel and outcome: sent, retry, suppressed (rate limit), dead (dead letter)', labelNames: ['channel', 'outcome'], registers: [registry] }),
  notificationsPending: new Gauge({ name: 'notifications_pending', help: 'Notification deliveries queued or waiting for a retry', registers: [registry] }),
  auditWriteFailures: new Counter({ name: 'audit_write_failures_total', help: 'Audit rows that could not be written (the call itself was answered)', registers: [registry] }),
};
