/**
 * Can onnxruntime-node keep the KV cache in place? A bare greedy loop on the tiny model's graph,
 * fed by hand, twice: outputs allocated by onnxruntime (what the engine does), and outputs
 * preallocated by the caller (`session.run(feeds, { name: tensor })`, ping-pong buffers sized
 * for the whole generation, the closest onnxruntime-node 1.30 comes to IO binding: it has no
 * IOBinding API). It prints whether onnxruntime wrote into the preallocated tensors and whether
 * the tensors it returns alias them (they do not: the binding copies every output into a new
 * JavaScript buffer), then ms per token of both loops, alternating.
 *
 * Run: node bench/ort-outputs-bench.mjs [default|large]
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
const { ensureTinyModel } = await import('@textgen-spec/tiny-model');
const variant = process.argv[2] ?? 'large';
const folder = await ensureTinyModel(variant === 'default' ? {} : { variant });
const session = await ort.InferenceSession.create(path.join(folder, 'onnx', 'model.onnx'));
const layers = session.inputMetadata.filter((m) => m.name.startsWith('past_key_values.')).map((m) => ({ name: m.name, heads: m.shape[1], headDim: m.shape[3] }));
const hasPos = session.inputNames.includes('position_ids');
const vocab = session.outputMetadata.find(m=>m.name==='logits')?.shape?.[2];
console.log(`${variant}: ${layers.length / 2} layers, vocab ${vocab}`);
let reported = false;
const STEPS = 128, PROMPT = [5, 6, 7, 8];
function feedsFor(ids, position, past) {
  const total = position + ids.length;
  const f = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]), attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]), ...past };
  if (session.inputNames.includes('num_logits_to_keep')) f.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.of(1n), []);
  if (hasPos) f.position_ids = new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(position + i)), [1, ids.length]);
  return f;
}
function argmax(d, off, n) { let b = -Infinity, t = 0; for (let i = 0; i < n; i++) if (d[off + i] > b) { b = d[off + i]; t = i; } return t; }
const fetchNames = ['logits', ...layers.map((l) => l.name.replace('past_key_values.', 'present.'))];
async function plain() {
  let past = {}; for (const l of layers) past[l.name] = new ort.Tensor('float32', new Float32Array(0), [1, l.heads, 0, l.headDim]);
  let ids = PROMPT, pos = 0; const out = [];
  for (let s = 0; s < STEPS; s++) {
    const r = await session.run(feedsFor(ids, pos, past), fetchNames);
    const V = r.logits.dims[2]; const t = argmax(r.logits.data, (r.logits.dims[1] - 1) * V, V); out.push(t);
    past = {}; for (const l of layers) past[l.name] = r[l.name.replace('past_key_values.', 'present.')];
    pos += ids.length; ids = [t];
  }
  return out;
}
async function prealloc() {
  const cap = PROMPT.length + STEPS + 1;
  const bufs = layers.map((l) => [new Float32Array(l.heads * cap * l.headDim), new Float32Array(l.heads * cap * l.headDim)]);
  let past = {}; for (const l of layers) past[l.name] = new ort.Tensor('float32', new Float32Array(0), [1, l.heads, 0, l.headDim]);
  let ids = PROMPT, pos = 0, side = 0; const out = [];
  let logitsBuf = new Float32Array(PROMPT.length * vocab);
  for (let s = 0; s < STEPS; s++) {
    const total = pos + ids.length;
    const fetches = { logits: new ort.Tensor('float32', logitsBuf.subarray(0, vocab), [1, 1, vocab]) };
    layers.forEach((l, i) => { fetches[l.name.replace('past_key_values.', 'present.')] = new ort.Tensor('float32', bufs[i][side].subarray(0, l.heads * total * l.headDim), [1, l.heads, total, l.headDim]); });
    const r = await session.run(feedsFor(ids, pos, past), fetches);
    if (s === 1 && !reported) {
      reported = true;
      const written = fetches.logits.data[3] === r.logits.data[3] && r.logits.data[3] !== 0;
      fetches.logits.data[3] = 123;
      console.log(`preallocated outputs: written by onnxruntime: ${written}; returned tensor aliases them: ${r.logits.data[3] === 123} (false: a copy)`);
    }
    const V = vocab; const t = argmax(r.logits.data, (r.logits.dims[1] - 1) * V, V); out.push(t);
    past = {}; layers.forEach((l) => { const n = l.name.replace('past_key_values.', 'present.'); past[l.name] = r[n]; });
    side ^= 1; pos = total; ids = [t];
  }
  return out;
}
const a = await plain(), b = await prealloc();
console.log('same tokens', JSON.stringify(a) === JSON.stringify(b));
for (let round = 0; round < 3; round++) {
  let t0 = performance.now(); await plain(); const tp = performance.now() - t0;
  t0 = performance.now(); await prealloc(); const tq = performance.now() - t0;
  console.log(`plain ${(tp / STEPS).toFixed(3)} ms/token, preallocated outputs ${(tq / STEPS).toFixed(3)} ms/token, ratio ${(tq / tp).toFixed(2)}`);
}
