/** Helpers shared by the engine benchmarks. */
import { parseCompletionRequest } from '@textgen-spec/spec';

export const RUNS = Number(process.env.BENCH_RUNS ?? 7);

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Best and median wall time of each loop. Loops run in rotation (a, b, c, a, b, c, ...) after
 * one warm-up each, so a burst of load from other processes hits them all alike.
 */
export async function compare(loops) {
  for (const fn of Object.values(loops)) await fn();
  const times = Object.fromEntries(Object.keys(loops).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, fn] of Object.entries(loops)) {
      const start = performance.now();
      await fn();
      times[name].push(performance.now() - start);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { best: Math.min(...v), median: median(v) }]));
}

/**
 * A normalized request as the server hands it to the engine: the spec's defaults for `body`
 * (greedy, EOS banned so every run generates max_tokens, seed 1), then `overrides` applied to
 * the normalized fields.
 */
export function benchRequest(body, overrides = {}) {
  const parsed = parseCompletionRequest({ model: 'bench', temperature: 0, seed: 1, stream: true, ban_eos_token: true, ...body });
  if (!parsed.ok) throw new Error(`bench request rejected: ${parsed.error.error.message}`);
  return { ...parsed.value, ...overrides };
}
