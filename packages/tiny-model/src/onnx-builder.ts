/**
 * A small helper to write an ONNX graph with the `onnx-proto` protobuf bindings: declare inputs,
 * outputs and initializers, add nodes, encode. Tensors are stored as little-endian raw data, and
 * node names come from a counter, so the same calls always give the same bytes.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const ElemType = {
  FLOAT: onnx.TensorProto.DataType.FLOAT,
  INT64: onnx.TensorProto.DataType.INT64,
  BOOL: onnx.TensorProto.DataType.BOOL,
  FLOAT16: onnx.TensorProto.DataType.FLOAT16,
  INT8: onnx.TensorProto.DataType.INT8,
  UINT8: onnx.TensorProto.DataType.UINT8,
} as const;
export type ElemType = (typeof ElemType)[keyof typeof ElemType];

/** A dimension: a fixed size, or a symbolic name such as "batch_size". */
export type Dim = number | string;

export type AttributeValue = number | number[] | { float: number } | { tensor: onnxProto.onnx.ITensorProto };

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const Type = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    return { name, type: Type.INT, i: value };
  }
  if (Array.isArray(value)) return { name, type: Type.INTS, ints: value };
  if ('float' in value) return { name, type: Type.FLOAT, f: value.float };
  return { name, type: Type.TENSOR, t: value.tensor };
}

function valueInfo(name: string, elemType: ElemType, dims: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** A tensor proto with little-endian raw data (float32 or int64). */
export function tensorProto(
  name: string,
  dims: readonly number[],
  data: Float32Array | BigInt64Array,
): onnxProto.onnx.ITensorProto {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`tensor ${name}: ${data.length} values for shape [${dims.join(', ')}]`);
  const raw = new Uint8Array(data.length * (data instanceof Float32Array ? 4 : 8));
  const view = new DataView(raw.buffer);
  if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] as number, true);
    return { name, dims: [...dims], dataType: ElemType.FLOAT, rawData: raw };
  }
  for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, data[i] as bigint, true);
  return { name, dims: [...dims], dataType: ElemType.INT64, rawData: raw };
}

/** A tensor of raw bytes already in ONNX's little-endian layout (float16 bits, int8, uint8). */
export function rawTensorProto(name: string, dims: readonly number[], dataType: ElemType, raw: Uint8Array): onnxProto.onnx.ITensorProto {
  return { name, dims: [...dims], dataType, rawData: raw };
}

export class OnnxGraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;
  private readonly domains = new Set<string>();

  constructor(private readonly graphName: string) {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`duplicate tensor name ${name}`);
    this.names.add(name);
    return name;
  }

  input(name: string, elemType: ElemType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), elemType, dims));
    return name;
  }

  /** Declares an existing tensor (a node output) as a graph output. */
  output(name: string, elemType: ElemType, dims: readonly Dim[]): void {
    if (!this.names.has(name)) throw new Error(`output ${name} is not produced by the graph`);
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  float(name: string, dims: readonly number[], data: Float32Array): string {
    this.initializers.push(tensorProto(this.claim(name), dims, data));
    return name;
  }

  /** An initializer of raw little-endian bytes of type `dataType` (float16, int8, uint8). */
  raw(name: string, dims: readonly number[], dataType: ElemType, bytes: Uint8Array): string {
    this.initializers.push(rawTensorProto(this.claim(name), dims, dataType, bytes));
    return name;
  }

  int64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    this.initializers.push(tensorProto(this.claim(name), dims, BigInt64Array.from(values, (v) => BigInt(v))));
    return name;
  }

  /**
   * Adds a node and returns its output name. The output is called `outputName` when given (for
   * tensors the outside world sees, such as `present.0.key`), else `<OpType>_<counter>`.
   */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, outputName?: string): string {
    return this.nodeMulti(opType, inputs, 1, attributes, outputName ? [outputName] : undefined)[0] as string;
  }

  /** Adds a node with several outputs (e.g. Split). */
  nodeMulti(
    opType: string,
    inputs: readonly string[],
    outputCount: number,
    attributes: Record<string, AttributeValue> = {},
    outputNames?: readonly string[],
  ): string[] {
    for (const input of inputs) {
      if (input !== '' && !this.names.has(input)) throw new Error(`${opType}: unknown input ${input}`);
    }
    // Contrib operators (onnxruntime's com.microsoft domain) are written as "com.microsoft:Op".
    const [domain, op] = opType.includes(':') ? (opType.split(':') as [string, string]) : ['', opType];
    if (domain) this.domains.add(domain);
    const id = this.counter++;
    const outputs = Array.from({ length: outputCount }, (_, i) =>
      this.claim(outputNames?.[i] ?? `${op}_${id}${outputCount > 1 ? `_${i}` : ''}`),
    );
    this.nodes.push({
      name: `${op}_${id}`,
      ...(domain ? { domain } : {}),
      opType: op,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** Serializes the model (IR version 8, default-domain opset `opset`). */
  encode(options: { opset: number; producerName: string; producerVersion: string; docString: string }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: options.opset }, ...[...this.domains].sort().map((domain) => ({ domain, version: 1 }))],
      producerName: options.producerName,
      producerVersion: options.producerVersion,
      docString: options.docString,
      graph: {
        name: this.graphName,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
