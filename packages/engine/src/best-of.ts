/**
 * best_of > n: every candidate's events are held back; once all candidates of a prompt have
 * finished, the n with the highest mean token log-probability become its choices, best first.
 */
import type { RequestRun } from './request-run.js';

/** Queues the ranked events of every prompt whose candidates have all finished (once per prompt). */
export function releaseBestOf(run: RequestRun): void {
  const { plan, sequences, bestOfDone: done, out } = run;
  if (plan.bestOf === plan.n) return;
  for (let p = 0; p < plan.prompts.length; p++) {
    const candidates = sequences.slice(p * plan.bestOf, (p + 1) * plan.bestOf);
    if (done.has(p) || candidates.length === 0 || candidates.some((s) => s.finished === null)) continue;
    done.add(p);
    const ranked = [...candidates].sort((a, b) => b.meanLogprob - a.meanLogprob || a.candidate - b.candidate);
    ranked.slice(0, plan.n).forEach((seq, rank) => {
      for (const event of seq.held!) {
        if (event.type === 'text' || event.type === 'finish') out.push({ ...event, index: p * plan.n + rank });
      }
    });
  }
}
