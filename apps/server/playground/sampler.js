// The sampler view: the next-token distribution before the chain, then after each active stage
// in the order the server applies them (POST /v1/internal/sampler-trace). A token the chain
// removes by the end is struck out in the columns before it.
import { escapeHtml, showToken } from './tokens.js';

function column(title, step, survivors) {
  const items = step.top
    .map((t) => {
      const gone = survivors !== null && !survivors.has(t.token);
      const pct = (100 * t.probability).toFixed(1);
      return `<li class="${gone ? 'removed' : 'kept'}" data-token="${t.token}"><code>${escapeHtml(showToken(t.text))}</code><span class="bar" data-w="${Math.max(1, Math.round(t.probability * 100))}"></span><span class="p">${pct}%</span></li>`;
    })
    .join('');
  return `<section class="stage" aria-label="${escapeHtml(title)}"><h3>${escapeHtml(title)}</h3><p class="count"><span class="n">${step.candidates}</span> candidate${step.candidates === 1 ? '' : 's'}</p><ol>${items}</ol></section>`;
}

/** Renders a trace into `container`; returns the final stage's surviving candidate count. */
export function renderTrace(container, response) {
  const trace = { raw: response.steps[0], stages: response.steps.slice(1), greedy: response.greedy, prompt_tokens: response.prompt_tokens };
  const last = trace.stages.at(-1) ?? trace.raw;
  const survivors = new Set(last.top.map((t) => t.token));
  const complete = last.candidates <= last.top.length; // the final set is fully listed
  const cols = [column('logits (raw softmax)', trace.raw, complete ? survivors : null)];
  for (const stage of trace.stages) cols.push(column(stage.stage, stage, complete && stage !== last ? survivors : null));
  const order = trace.stages.length ? trace.stages.map((s) => s.stage).join(' → ') : 'no active stage';
  const pick = trace.greedy ? 'do_sample false or temperature 0: the final pick is the most likely token' : 'the final pick draws from the last column';
  container.innerHTML = `<p class="order">Order applied: <b>${escapeHtml(order)}</b>; ${pick}. Prompt: ${trace.prompt_tokens} tokens.</p><div class="stages" tabindex="0" role="group" aria-label="Steps of the sampler chain">${cols.join('')}</div>`;
  // widths through the CSSOM: the page's Content-Security-Policy allows no inline style attribute
  for (const bar of container.querySelectorAll('.bar')) bar.style.width = `${bar.dataset.w}%`;
  container.dataset.final = String(last.candidates);
  return last.candidates;
}
