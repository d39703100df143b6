import { TOPICS, TOPIC_PARTITIONS } from '../core/types.ts';
import { frameCodec, jsonCodec, type Codec } from './codec.ts';
import { dlqTopic } from './port.ts';

/** How a topic is created and what its values are. */
export interface TopicSettings {
  partitions: number;
  /** records older than this are deleted; undefined: the broker's default (7 days on Kafka) */
  retentionMs?: number;
  /** nothing on the bus is a changelog keyed by entity: every topic deletes by age, none compacts */
  cleanupPolicy: 'delete';
  codec: Codec;
}

const DAY_MS = 86_400_000;

/**
 * The topics of the reference architecture (its bus diagram and Kafka durability configuration):
 * streams.raw 8 partitions, 7 days; ai.detections 16, 30 days; alerts.critical 4, 90 days;
 * training.data 30 days; system.metrics 7 days; notification topics the broker's default.
 * A dead-letter topic keeps its records 30 days, for manual inspection.
 */
const RETENTION_DAYS: Record<string, number> = {
  [TOPICS.streamsRaw]: 7,
  [TOPICS.aiDetections]: 30,
  [TOPICS.alertsCritical]: 90,
  [TOPICS.trainingData]: 30,
  [TOPICS.systemMetrics]: 7,
};
const DLQ_RETENTION_DAYS = 30;

const CODECS: Record<string, Codec> = {
  [TOPICS.streamsRaw]: frameCodec as Codec,
};

const DLQ_SUFFIX = dlqTopic('');

/** A dead-letter topic holds its source topic's records unchanged, so it shares the source's codec. */
function sourceOf(topic: string): string | undefined {
  return topic.endsWith(DLQ_SUFFIX) ? topic.slice(0, -DLQ_SUFFIX.length) : undefined;
}

export function topicSettings(topic: string): TopicSettings {
  const source = sourceOf(topic);
  const days = source === undefined ? RETENTION_DAYS[topic] : DLQ_RETENTION_DAYS;
  return {
    partitions: TOPIC_PARTITIONS[topic] ?? 1,
    retentionMs: days === undefined ? undefined : days * DAY_MS,
    cleanupPolicy: 'delete',
    codec: CODECS[source ?? topic] ?? jsonCodec,
  };
}

export const codecFor = (topic: string): Codec => topicSettings(topic).codec;
