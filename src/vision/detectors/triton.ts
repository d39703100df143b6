import { rootLogger } from '../../core/log.ts';
import type { DetectionFilter } from '../filter.ts';
import type { DetectResult, Detector } from './types.ts';
import { DEFAULT_INPUT_SIZE, resolveLabels, yoloDetector, type YoloModelConfig } from './yolo-model.ts';

/** `detection.triton`: a YOLO model served by Triton (or any KServe v2 HTTP server), e.g. on a GPU box. */
export interface TritonDetectorConfig extends YoloModelConfig {
  /** server base URL, e.g. http://gpu1:8000 */
  url: string;
  model_name: string;
  model_version?: string;
  timeout_ms: number;
  /** tensors as raw bytes (binary-data extension) instead of JSON numbers: much smaller, Triton supports it */
  binary_data: boolean;
}

interface TensorMeta { name: string; datatype: string; shape: number[] }
interface ModelMeta { inputs?: TensorMeta[]; outputs?: TensorMeta[] }
interface InferOutput { name: string; datatype: string; shape: number[]; data?: number[]; parameters?: { binary_data_size?: number } }

const BINARY_HEADER = 'inference-header-content-length';

/** The server cannot answer now (unreachable, timeout, 5xx): it may later, unlike a 4xx or a wrong model. */
export class TritonUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TritonUnavailableError';
  }
}

/**
 * KServe v2 inference protocol over HTTP. Load checks server and model readiness and reads the
 * model metadata (input/output names, shapes); every failure names the server and the cause:
 * unreachable, timeout, the server's own error text on 4xx/5xx, a shape no decoder fits. A
 * server that is down at start does not stop Vigil: frames fail with the cause until it is back.
 */
export async function loadTritonDetector(config: TritonDetectorConfig, filter: DetectionFilter): Promise<Detector> {
  const connect = (): Promise<Detector> => connectTriton(config, filter);
  try {
    return await connect();
  } catch (err) {
    if (!(err instanceof TritonUnavailableError)) throw err;
    rootLogger.child({ component: 'triton' }).warn({ reason: err.message }, 'inference server unavailable; connecting again on each frame');
    return reconnecting(connect);
  }
}

/** A detector that connects on first use, and again after a failed attempt. */
function reconnecting(connect: () => Promise<Detector>): Detector {
  let inner: Promise<Detector> | undefined;
  const get = (): Promise<Detector> => (inner ??= connect().catch((err: unknown) => {
    inner = undefined;
    throw err;
  }));
  return {
    model: 'triton',
    detect: async (jpeg, opts) => (await get()).detect(jpeg, opts),
    // whether the model batches is unknown until connected: frame by frame when it does not
    detectBatch: async (inputs) => {
      const d = await get();
      if (d.detectBatch) return d.detectBatch(inputs);
      const results: DetectResult[] = [];
      for (const { jpeg, opts } of inputs) results.push(await d.detect(jpeg, opts));
      return results;
    },
    dispose: () => undefined,
  };
}

async function connectTriton(config: TritonDetectorConfig, filter: DetectionFilter): Promise<Detector> {
  const base = config.url.replace(/\/+$/, '');
  const modelPath = `/v2/models/${encodeURIComponent(config.model_name)}${config.model_version ? `/versions/${encodeURIComponent(config.model_version)}` : ''}`;
  const source = `Triton ${base} model ${config.model_name}`;
  const call = (path: string, init?: RequestInit): Promise<Response> => request(base + path, config.timeout_ms, source, init);

  await call('/v2/health/ready');
  await call(`${modelPath}/ready`);
  const meta = await (await call(modelPath)).json() as ModelMeta;
  const input = meta.inputs?.[0];
  const output = meta.outputs?.[0];
  if (!input || !output || meta.inputs!.length !== 1) throw new Error(`${source}: metadata must list one image input and an output`);
  if (input.datatype !== 'FP32') throw new Error(`${source}: input ${input.name} is ${input.datatype}; only FP32 inputs are supported`);
  // with max_batch_size > 0 Triton reports the batch dimension as -1
  const inShape = input.shape.length === 3 ? [-1, ...input.shape] : input.shape;
  const [, channels, h, w] = inShape as [number, number, number, number];
  if (inShape.length !== 4 || (channels !== 3 && channels !== -1)) throw new Error(`${source}: input ${input.name} [${input.shape.join(', ')}] is not [batch, 3, height, width]`);
  if (h > 0 && w > 0 && h !== w) throw new Error(`${source}: input ${h}x${w} is not square`);
  const size = h > 0 ? h : (config.input_size ?? DEFAULT_INPUT_SIZE);
  const outShape = input.shape.length === 3 ? [-1, ...output.shape] : output.shape;

  return yoloDetector({
    model: 'triton',
    source,
    config,
    size,
    labels: resolveLabels(config, undefined, source),
    outputDims: outShape.map((d) => (d < 0 ? 'dynamic' : d)),
    batching: inShape[0] === -1,
    run: async (data, batch) => {
      const shape = [batch, 3, size, size];
      const res = config.binary_data
        ? await call(`${modelPath}/infer`, binaryRequest({ name: input.name, shape, data }, output.name))
        : await call(`${modelPath}/infer`, jsonRequest({
          inputs: [{ name: input.name, shape, datatype: 'FP32', data: Array.from(data) }],
          outputs: [{ name: output.name }],
        }));
      return readOutput(res, output.name, source);
    },
    dispose: () => undefined,
  }, filter);
}

const jsonRequest = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Binary-data extension: the JSON header, then the raw little-endian tensor; its length in a header. */
function binaryRequest(input: { name: string; shape: number[]; data: Float32Array }, outputName: string): RequestInit {
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: input.name, shape: input.shape, datatype: 'FP32', parameters: { binary_data_size: input.data.byteLength } }],
    outputs: [{ name: outputName, parameters: { binary_data: true } }],
  }));
  const body = Buffer.concat([header, Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength)]);
  return { method: 'POST', headers: { 'content-type': 'application/octet-stream', [BINARY_HEADER]: String(header.length) }, body };
}

async function readOutput(res: Response, name: string, source: string): Promise<{ data: Float32Array; dims: number[] }> {
  let body: Buffer;
  try {
    body = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new TritonUnavailableError(`${source}: infer response cut off (${(err as Error).message})`);
  }
  const headerLength = Number(res.headers.get(BINARY_HEADER) ?? body.length);
  let parsed: { outputs?: InferOutput[] };
  try {
    parsed = JSON.parse(body.subarray(0, headerLength).toString('utf8')) as typeof parsed;
  } catch {
    throw new Error(`${source}: infer response is not KServe v2 JSON`);
  }
  const out = parsed.outputs?.find((o) => o.name === name);
  if (!out) throw new Error(`${source}: infer response has no output ${name}`);
  if (out.datatype !== 'FP32') throw new Error(`${source}: output ${name} is ${out.datatype}; only FP32 outputs are supported`);
  const count = out.shape.reduce((n, d) => n * d, 1);
  let data: Float32Array;
  if (out.parameters?.binary_data_size !== undefined) {
    // binary outputs follow the header in the order the response lists them
    let at = headerLength;
    for (const o of parsed.outputs!) {
      if (o === out) break;
      at += o.parameters?.binary_data_size ?? 0;
    }
    const raw = body.subarray(at, at + out.parameters.binary_data_size);
    data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  } else {
    data = Float32Array.from(out.data ?? []);
  }
  if (data.length !== count) throw new Error(`${source}: output ${name} has ${data.length} values for shape [${out.shape.join(', ')}]`);
  return { data, dims: out.shape };
}

/** One HTTP exchange; any failure becomes an error naming the server and the cause. */
async function request(url: string, timeoutMs: number, source: string, init?: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') throw new TritonUnavailableError(`${source}: no answer within ${timeoutMs} ms (${new URL(url).pathname})`);
    throw new TritonUnavailableError(`${source}: unreachable (${e.cause?.code ?? e.cause?.message ?? e.message})`);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    let reason = text.trim();
    try {
      reason = (JSON.parse(text) as { error?: string }).error ?? reason;
    } catch { /* not JSON: the raw text is the reason */ }
    const message = `${source}: ${new URL(url).pathname} answered HTTP ${res.status}${reason ? `: ${reason.slice(0, 300)}` : ''}`;
    throw res.status >= 500 ? new TritonUnavailableError(message) : new Error(message);
  }
  return res;
}
