/**
 * The part of a decoder's attention mask both generated graphs share (GPT-2 and the Llama
 * family): which keys each query may attend to, from the input shapes and `attention_mask`.
 */
import { ElemType, type OnnxGraphBuilder } from './onnx-builder.js';

/** Graph values the mask is built from (each graph's own inputs and constants). */
export interface MaskSources {
  inputIds: string;
  attentionMask: string;
  /** Any past key input ([batch, heads, past, headDim]): its dim 2 is the past length. */
  pastKey: string;
  zeroScalar: string;
  oneScalar: string;
  twoScalar: string;
  axis1: string;
  axes12: string;
}

/**
 * `allowed`, a boolean [batch, 1, seq, total]: true where query q may look at key k, i.e. causal
 * (k <= past + q) and not padding (attention_mask[b, k] == 1); with the key positions [total]
 * and query positions [seq, 1] it was built from (for a sliding window).
 */
export function causalPaddingAllowed(
  g: OnnxGraphBuilder,
  s: MaskSources,
): { allowed: string; keyPositions: string; queryPositions: string } {
  const seqLen = g.node('Gather', [g.node('Shape', [s.inputIds]), s.oneScalar]);
  const pastLen = g.node('Gather', [g.node('Shape', [s.pastKey]), s.twoScalar]);
  const totalLen = g.node('Add', [pastLen, seqLen]);
  const keyPositions = g.node('Range', [s.zeroScalar, totalLen, s.oneScalar]);
  const queryPositions = g.node('Unsqueeze', [g.node('Range', [pastLen, totalLen, s.oneScalar]), s.axis1]);
  const causal = g.node('LessOrEqual', [keyPositions, queryPositions]);
  const notPadding = g.node('Unsqueeze', [g.node('Cast', [s.attentionMask], { to: ElemType.BOOL }), s.axes12]);
  return { allowed: g.node('And', [causal, notPadding]), keyPositions, queryPositions };
}
