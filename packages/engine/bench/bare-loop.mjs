/**
 * The floor every decode-speed figure is read against: an onnxruntime-node session fed by hand,
 * argmax in JS, no sampler, no text, no scheduler. `rows` > 1 decodes that many copies of the
 * prompt in one batched forward pass per step (the ceiling of what batching can gain on this
 * model and machine: a row costs what it costs the runtime, whatever the server does around it).
 */
import * as ort from 'onnxruntime-node';

/** What the loop needs to know of a session's graph; `eos` is never chosen (as ban_eos_token). */
export function graphMeta(session, eos) {
  const layers = session.inputMetadata
    .filter((m) => m.name.startsWith('past_key_values.'))
    .map((m) => ({ name: m.name, heads: m.shape[1], headDim: m.shape[3] }));
  return {
    layers,
    positionIds: session.inputNames.includes('position_ids'),
    numLogitsToKeep: session.inputNames.includes('num_logits_to_keep'),
    // Fetch what the loop needs (not last_hidden_state), as the engine does.
    fetches: ['logits', ...layers.map((l) => l.name.replace('past_key_values.', 'present.'))],
    eos,
  };
}

/** Greedy decoding of `maxTokens` tokens for `rows` copies of `promptIds`; returns row 0's tokens. */
export async function bareRun(session, meta, promptIds, maxTokens, rows = 1) {
  const { layers, eos } = meta;
  let past = {};
  for (const { name, heads, headDim } of layers) past[name] = new ort.Tensor('float32', new Float32Array(0), [rows, heads, 0, headDim]);
  let ids = Array.from({ length: rows }, () => promptIds);
  let position = 0;
  const generated = [];
  for (let step = 0; step < maxTokens; step++) {
    const length = ids[0].length;
    const total = position + length;
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [rows, length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(rows * total).fill(1n), [rows, total]),
      ...past,
    };
    if (meta.numLogitsToKeep) feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.of(1n), []);
    if (meta.positionIds) {
      const positions = Array.from({ length: rows }, () => Array.from({ length }, (_, i) => BigInt(position + i))).flat();
      feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(positions), [rows, length]);
    }
    const out = await session.run(feeds, meta.fetches);
    const logits = out.logits.data;
    const [, kept, vocab] = out.logits.dims;
    const next = [];
    for (let row = 0; row < rows; row++) {
      const offset = (row * kept + kept - 1) * vocab;
      let best = -Infinity;
      let token = 0;
      for (let i = 0; i < vocab; i++) {
        const v = logits[offset + i];
        if (v > best && i !== eos) {
          best = v;
          token = i;
        }
      }
      next.push([token]);
    }
    generated.push(next[0][0]);
    past = {};
    for (const { name } of layers) past[name] = out[name.replace('past_key_values.', 'present.')];
    position = total;
    ids = next;
  }
  return generated;
}
