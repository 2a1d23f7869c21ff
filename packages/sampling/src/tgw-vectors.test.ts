/**
 * The sampler chain against golden vectors computed by text-generation-webui's own code (v1.14,
 * and HEAD for XTC, top_n_sigma and adaptive-p): see vectors/README.md. Every case must agree to
 * 1e-5, or name a deliberate deviation listed in TGW_DEVIATIONS (docs/tgw-deviations.md).
 */
import { describe, expect, it } from 'vitest';
import { fixedRng } from './__fixtures__/helpers.js';
import {
  caseLogits,
  caseParams,
  caseState,
  deviationsOf,
  expectedDistribution,
  float32s,
  int32s,
  loadVectors,
} from './__fixtures__/tgw-vectors.js';
import type { VectorCase, Vectors } from './__fixtures__/tgw-vectors.js';
import { candidateDistribution } from './index.js';
import { TGW_DEVIATIONS } from './tgw-deviations.js';
import type { DeviationId } from './tgw-deviations.js';

const TOLERANCE = 1e-5;
const vectors: Vectors = loadVectors();

/**
 * Below this a probability is float32 underflow on TGW's side (it computes in float32, this
 * package in float64): such a token counts as neither kept nor removed.
 */
const NEGLIGIBLE = 1e-30;

function ourDistribution(v: Vectors, c: VectorCase): Map<number, number> {
  const out = new Map<number, number>();
  for (const { token, probability } of candidateDistribution(caseLogits(v, c), caseState(c), caseParams(c))) {
    out.set(token, probability);
  }
  return out;
}

/** Why two distributions differ, or null when they agree (same tokens, probabilities to 1e-5). */
function difference(actual: Map<number, number>, expected: Map<number, number>, tieSensitive: boolean): string | null {
  const kept = (m: Map<number, number>): [number, number][] => [...m].filter(([, p]) => p > NEGLIGIBLE);
  const a = kept(actual);
  const e = kept(expected);
  if (a.length !== e.length) return `${a.length} tokens kept, TGW keeps ${e.length}`;
  if (tieSensitive) {
    // TGW's own result depends on how its sort orders tied logits: compare the probabilities as a multiset.
    const pa = a.map(([, p]) => p).sort((x, y) => x - y);
    const pe = e.map(([, p]) => p).sort((x, y) => x - y);
    const worst = Math.max(0, ...pa.map((p, i) => Math.abs(p - pe[i]!)));
    return worst <= TOLERANCE ? null : `probabilities differ by ${worst}`;
  }
  let worst = 0;
  for (const [token, p] of e) {
    const q = actual.get(token);
    if (q === undefined) return `token ${token} removed, TGW keeps it`;
    worst = Math.max(worst, Math.abs(p - q));
  }
  return worst <= TOLERANCE ? null : `probabilities differ by ${worst}`;
}

/**
 * Compares with TGW's float32 result; where TGW's float32 rounding moved a value across a
 * threshold, the generator also stored the same code's float64 result (`exact`), which must then
 * agree (deviation float32-rounding).
 */
function compareFinal(v: Vectors, c: VectorCase): { problem: string | null; viaExact: boolean } {
  const ours = ourDistribution(v, c);
  const problem = difference(ours, expectedDistribution(c.ids!, c.probs!), c.tieSensitive === true);
  if (problem === null || !c.exact) return { problem, viaExact: false };
  const exact = difference(ours, expectedDistribution(c.exact.ids, c.exact.probs), false);
  return exact === null ? { problem, viaExact: true } : { problem: `${problem}; float64 run: ${exact}`, viaExact: false };
}

/**
 * Mirostat and adaptive-p end with a draw. For several tokens of TGW's distribution (the three
 * most likely and the least likely of those with p >= 1e-3), a uniform draw u at the middle of that token's interval
 * (candidates walked in token id order, as this package draws) must pick that token, and the
 * state update must be TGW's for it.
 */
function compareDraw(v: Vectors, c: VectorCase): string | null {
  const record = c.mirostat ?? c.adaptive!;
  const ids = int32s(record.ids);
  const probs = float32s(record.probs);
  const byId = [...ids.keys()].sort((a, b) => ids[a]! - ids[b]!);
  const byProbability = [...ids.keys()].sort((a, b) => probs[b]! - probs[a]! || ids[a]! - ids[b]!);
  const start = new Map<number, number>();
  let cum = 0;
  for (const k of byId) {
    start.set(k, cum);
    cum += probs[k]!;
  }
  const likely = byProbability.filter((k) => probs[k]! >= 1e-3); // an interval wide enough to aim at
  const picks = new Set([...likely.slice(0, 3), likely[likely.length - 1]!]);
  for (const expected of picks) {
    const u = (start.get(expected)! + probs[expected]! / 2) / cum;
    const state = { ...caseState(c), rng: fixedRng([u]) };
    if (c.mirostat) state.mirostatMu = c.mirostat.mu0;
    if (c.adaptive) state.adaptiveP = { weightedSum: c.adaptive.state0[0], totalWeight: c.adaptive.state0[1] };
    const logits = caseLogits(v, c);
    const got = candidateDistribution(logits, state, caseParams(c));
    // Tie-sensitive: TGW kept one of several tied tokens; any of them (same logit) is TGW's choice under another order.
    const same = got.length === 1 && (got[0]!.token === ids[expected] || (c.tieSensitive && logits[got[0]!.token] === logits[ids[expected]!]));
    if (!same) {
      return `u=${u}: picked ${got.map((g) => g.token).join(',')}, TGW's distribution gives ${ids[expected]}`;
    }
    const p = probs[expected]!;
    if (c.mirostat) {
      const tau = Number(c.params.mirostat_tau);
      const eta = Number(c.params.mirostat_eta);
      const mu = c.mirostat.mu0 - eta * (-Math.log2(p) - tau);
      if (Math.abs(state.mirostatMu! - mu) > 1e-4) return `u=${u}: mu ${state.mirostatMu} instead of ${mu}`;
    } else {
      const original = float32s(c.adaptive!.original)[expected]!;
      const decay = Math.min(Number(c.params.adaptive_decay), 0.99);
      const [sum0, weight0] = c.adaptive!.state0;
      const want = [original + decay * sum0, 1 + decay * weight0];
      const have = [state.adaptiveP!.weightedSum, state.adaptiveP!.totalWeight];
      if (Math.abs(have[0]! - want[0]!) > 1e-5 || Math.abs(have[1]! - want[1]!) > 1e-9) {
        return `u=${u}: EMA state ${have.join(', ')} instead of ${want.join(', ')}`;
      }
    }
  }
  return null;
}

function compare(v: Vectors, c: VectorCase): { problem: string | null; viaExact: boolean } {
  return c.mirostat || c.adaptive ? { problem: compareDraw(v, c), viaExact: false } : compareFinal(v, c);
}

describe('golden vectors from text-generation-webui', () => {
  const results = vectors.cases.map((c) => {
    const { problem, viaExact } = compare(vectors, c);
    const deviations = deviationsOf(c);
    if (viaExact) deviations.push('float32-rounding');
    return { c, problem, deviations };
  });

  it('hold at least 1,000 cases over both vocabularies', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(1000);
    const vocabs = new Set(vectors.cases.map((c) => vectors.bases[c.base]!.vocab));
    expect([...vocabs].sort((a, b) => a - b)).toEqual([1000, 50257]);
  });

  it('agree with TGW to 1e-5, or name a deviation from the table', () => {
    const unexplained = results
      .filter((r) => r.problem !== null && r.deviations.length === 0)
      .map((r) => `${r.c.id}: ${r.problem}`);
    expect(unexplained).toEqual([]);
  });

  it('each deviation with an example case shows it there, as the table says', () => {
    for (const d of TGW_DEVIATIONS) {
      if (d.example === null) continue;
      const r = results.find((x) => x.c.id === d.example);
      expect(r, `example ${d.example} of ${d.id}`).toBeDefined();
      if (d.kind === 'determinized') {
        expect(r!.c.tieSensitive, `${d.id}'s example ${d.example} is not tie-sensitive`).toBe(true);
        expect(r!.problem).toBeNull();
      } else {
        expect(r!.deviations).toContain(d.id);
        expect(r!.problem, `${d.id}'s example ${d.example} agrees with TGW`).not.toBeNull();
      }
    }
  });

  it('every deviation the vectors can show has an example', () => {
    const shown = new Set(results.filter((r) => r.problem !== null).flatMap((r) => r.deviations));
    for (const id of shown) expect(TGW_DEVIATIONS.find((d) => d.id === id)?.example, id).not.toBeNull();
  });

  it('most cases agree exactly (a deviation does not excuse a whole category)', () => {
    const agree = results.filter((r) => r.problem === null).length;
    const counts: Partial<Record<DeviationId, number>> = {};
    for (const r of results) if (r.problem !== null) for (const d of r.deviations) counts[d] = (counts[d] ?? 0) + 1;
    expect(agree / results.length, JSON.stringify(counts)).toBeGreaterThan(0.85);
  });
});
