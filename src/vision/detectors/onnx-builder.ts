import { bytes, concat, int, message, str } from './protobuf.ts';

/**
 * Writes ONNX models (protobuf ModelProto, opset 13) node by node: used to convert the shipped
 * tfjs detector graphs for onnxruntime, and to build small test models.
 */

export const FLOAT = 1;
export const INT64 = 7;
export type Dim = number | string;

export type Attr = { ints: readonly number[] } | { int: number } | { string: string };

function tensorProto(name: string, dims: readonly number[], type: typeof FLOAT | typeof INT64, values: ArrayLike<number>): Uint8Array {
  const data = type === FLOAT ? Float32Array.from(values) : BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
  return concat([...dims.map((d) => int(1, d)), int(2, type), str(8, name), bytes(9, new Uint8Array(data.buffer))]);
}

/** A float tensor's name and type; without `dims` its shape is left to onnxruntime's inference. */
function valueInfo(field: number, name: string, dims?: readonly Dim[]): Uint8Array {
  const shape = dims ? [message(2, ...dims.map((d) => message(1, typeof d === 'number' ? int(1, d) : str(2, d))))] : [];
  return message(field, str(1, name), message(2, message(1, int(1, FLOAT), ...shape)));
}

function attribute(name: string, a: Attr): Uint8Array {
  if ('ints' in a) return message(5, str(1, name), ...a.ints.map((v) => int(8, v)), int(20, 7));
  if ('int' in a) return message(5, str(1, name), int(3, a.int), int(20, 2));
  return message(5, str(1, name), str(4, a.string), int(20, 3));
}

function node(op: string, inputs: readonly string[], output: string, attrs: Record<string, Attr>): Uint8Array {
  return message(1, ...inputs.map((i) => str(1, i)), str(2, output), str(3, output), str(4, op), ...Object.entries(attrs).map(([k, a]) => attribute(k, a)));
}

export interface GraphValue {
  name: string;
  dims?: readonly Dim[];
}

export class OnnxGraphBuilder {
  private readonly nodes: Uint8Array[] = [];
  private readonly initializers: Uint8Array[] = [];
  private n = 0;

  /** A constant (initializer); `dims` [] is a scalar. */
  constant(dims: readonly number[], values: ArrayLike<number>, type: typeof FLOAT | typeof INT64 = FLOAT): string {
    const name = `c${this.n++}`;
    this.initializers.push(message(5, tensorProto(name, dims, type, values)));
    return name;
  }

  /** Adds a node; returns its output's name (`output`, or a fresh one). */
  op(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, output = `t${this.n++}`): string {
    this.nodes.push(node(op, inputs, output, attrs));
    return output;
  }

  model(inputs: readonly GraphValue[], outputs: readonly GraphValue[], metadata: Record<string, string> = {}): Uint8Array {
    const graph = message(7, ...this.nodes, str(2, 'vigil'), ...this.initializers,
      ...inputs.map((i) => valueInfo(11, i.name, i.dims)), ...outputs.map((o) => valueInfo(12, o.name, o.dims)));
    const meta = Object.entries(metadata).map(([k, v]) => message(14, str(1, k), str(2, v)));
    return concat([int(1, 8), str(2, 'vigil'), graph, message(8, str(1, ''), int(2, 13)), ...meta]);
  }
}
