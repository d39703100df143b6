import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ort from 'onnxruntime-node';

/**
 * A KServe v2 HTTP inference server for tests and benchmarks (no Triton can be installed here):
 * health and model readiness, model metadata, infer with JSON tensors or the binary-data
 * extension, and the part of Triton's statistics extension (`GET /v2/models/<name>/stats`) that
 * says how many calls of which batch size ran and how long they queued and computed. One model,
 * one FP32 input and output. Calls run one at a time, as on one Triton model instance; the batch
 * is whatever the client sent (no server-side dynamic batching).
 */

export interface TensorMeta { name: string; datatype: 'FP32'; shape: number[] }

export interface Tensor { name: string; shape: number[]; data: Float32Array }

export interface KserveModel {
  name: string;
  /** versions the server knows besides the default (addressed as /versions/<v>) */
  versions?: string[];
  /** as announced in the metadata: with max_batch_size > 0 Triton leaves out the batch dim */
  inputs: TensorMeta[];
  outputs: TensorMeta[];
  infer(input: Tensor): Promise<Tensor>;
}

/** An onnxruntime session served as it is: the request's input by its name, the first announced output back. */
export function onnxKserveModel(name: string, session: ort.InferenceSession, inputs: TensorMeta[], outputs: TensorMeta[]): KserveModel {
  return {
    name, inputs, outputs,
    async infer(input) {
      const out = (await session.run({ [input.name]: new ort.Tensor('float32', input.data, input.shape) }))[outputs[0]!.name]!;
      return { name: outputs[0]!.name, shape: [...out.dims], data: out.data as Float32Array };
    },
  };
}

/** Test hooks: change how the server answers, see what it was asked. */
export interface KserveBehaviour {
  /** answer infer with this status and error text */
  inferError?: { status: number; error: string };
  /** delay every infer answer */
  delayMs?: number;
  /** requests seen: method and path */
  seen: string[];
}

interface Duration { count: number; ns: number }

/** Triton's `model_stats` entry, the fields this server fills. */
export interface ModelStats {
  name: string;
  version: string;
  inference_count: number;
  execution_count: number;
  inference_stats: { success: Duration; fail: Duration; queue: Duration; compute_infer: Duration };
  batch_stats: { batch_size: number; compute_infer: Duration }[];
}

export interface KserveServer {
  url: string;
  behaviour: KserveBehaviour;
  close(): Promise<void>;
}

const INFER_HEADER = 'inference-header-content-length';

interface InferInput { name: string; shape: number[]; datatype: string; data?: number[]; parameters?: { binary_data_size?: number } }
interface InferRequest { inputs: InferInput[]; outputs?: { name: string; parameters?: { binary_data?: boolean } }[] }

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

const nsSince = (started: bigint): number => Number(process.hrtime.bigint() - started);
const add = (d: Duration, ns: number): void => {
  d.count++;
  d.ns += ns;
};

export interface KserveServerOptions {
  behaviour?: KserveBehaviour;
  /** 0 (default) picks a free port; a former server's port brings "the same server" back */
  port?: number;
}

export async function startKserveServer(model: KserveModel, opts: KserveServerOptions = {}): Promise<KserveServer> {
  const behaviour = opts.behaviour ?? { seen: [] };
  const stats: ModelStats = {
    name: model.name, version: '1', inference_count: 0, execution_count: 0,
    inference_stats: { success: { count: 0, ns: 0 }, fail: { count: 0, ns: 0 }, queue: { count: 0, ns: 0 }, compute_infer: { count: 0, ns: 0 } },
    batch_stats: [],
  };
  // one model instance: a call waits for the one before it
  let running: Promise<unknown> = Promise.resolve();

  async function compute(input: Tensor): Promise<Tensor> {
    const queued = process.hrtime.bigint();
    const turn = running.then(async () => {
      add(stats.inference_stats.queue, nsSince(queued));
      const started = process.hrtime.bigint();
      const out = await model.infer(input);
      const ns = nsSince(started);
      const batch = input.shape[0] ?? 1;
      add(stats.inference_stats.compute_infer, ns);
      let row = stats.batch_stats.find((b) => b.batch_size === batch);
      if (!row) stats.batch_stats.push(row = { batch_size: batch, compute_infer: { count: 0, ns: 0 } });
      add(row.compute_infer, ns);
      stats.execution_count++;
      stats.inference_count += batch;
      return out;
    });
    running = turn.catch(() => undefined);
    return turn;
  }

  async function infer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const raw = await body(req);
    const headerLength = Number(req.headers[INFER_HEADER] ?? raw.length);
    const request = JSON.parse(raw.subarray(0, headerLength).toString()) as InferRequest;
    const input = request.inputs[0]!;
    const bytes = raw.subarray(headerLength);
    const data = input.parameters?.binary_data_size !== undefined
      ? new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
      : Float32Array.from(input.data!);
    if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
    if (behaviour.inferError) {
      add(stats.inference_stats.fail, nsSince(started));
      return json(res, behaviour.inferError.status, { error: behaviour.inferError.error });
    }
    const out = await compute({ name: input.name, shape: input.shape, data });
    add(stats.inference_stats.success, nsSince(started));
    const binary = request.outputs?.[0]?.parameters?.binary_data === true;
    const output = { name: out.name, datatype: 'FP32', shape: out.shape, ...(binary ? { parameters: { binary_data_size: out.data.byteLength } } : { data: Array.from(out.data) }) };
    const header = Buffer.from(JSON.stringify({ model_name: model.name, outputs: [output] }));
    if (!binary) return void res.writeHead(200, { 'content-type': 'application/json' }).end(header);
    res.writeHead(200, { 'content-type': 'application/octet-stream', [INFER_HEADER]: String(header.length) })
      .end(Buffer.concat([header, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength)]));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '';
    behaviour.seen.push(`${req.method} ${path}`);
    if (path === '/v2/health/ready') return void res.writeHead(200).end();
    const m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer|\/stats)?$/.exec(path);
    const known = m && decodeURIComponent(m[1]!) === model.name && (!m[2] || m[2] === '1' || model.versions?.includes(m[2]));
    if (!known) return json(res, 404, { error: `Request for unknown model: '${path.split('/')[3]}' is not found` });
    if (m[3] === '/ready') return void res.writeHead(200).end();
    if (m[3] === '/stats') return json(res, 200, { model_stats: [stats] });
    if (m[3] === '/infer') return void infer(req, res).catch((err: Error) => json(res, 500, { error: err.message }));
    json(res, 200, { name: model.name, versions: ['1', ...(model.versions ?? [])], platform: 'onnxruntime_onnx', inputs: model.inputs, outputs: model.outputs });
  }

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    behaviour,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
