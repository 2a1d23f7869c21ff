// The token view: the completion token by token, each shaded by its probability; hovering or
// focusing a token shows its alternatives and text_offset in one shared tooltip.

/** Visible form of a token's text (spaces and line breaks shown). */
export function showToken(text) {
  return text.replaceAll('\n', '⏎').replaceAll('\t', '⇥').replaceAll(' ', '·') || '∅';
}

/** Light red (unlikely) to light green (likely), readable with dark text. */
function shade(p) {
  return `hsl(${Math.round(120 * p)}, 70%, 85%)`;
}

export class TokenView {
  constructor(container, tip) {
    this.container = container;
    this.tip = tip;
    this.reset('');
    container.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.hide();
    });
  }

  /** Starts a new completion; `promptLength` is the echoed prompt's length (0 without echo). */
  reset(promptLength) {
    this.promptLength = promptLength || 0;
    this.count = 0;
    this.container.replaceChildren();
    this.hide();
  }

  /** Adds text without logprobs (a completion that did not ask for them). */
  addText(text) {
    if (text) this.container.append(document.createTextNode(text));
  }

  /** Adds the tokens of a logprobs object (a whole response's or one chunk's). */
  addLogprobs(lp) {
    for (let i = 0; i < lp.tokens.length; i++) {
      this.addToken({
        token: lp.tokens[i],
        logprob: lp.token_logprobs[i],
        top: lp.top_logprobs?.[i] ?? null,
        offset: lp.text_offset?.[i],
      });
    }
  }

  addToken(t) {
    const span = document.createElement('span');
    const p = t.logprob === null ? null : Math.exp(t.logprob);
    span.className = 'tok';
    if (t.offset !== undefined && t.offset < this.promptLength) span.classList.add('prompt');
    span.tabIndex = 0;
    span.textContent = t.token;
    span.dataset.index = String(this.count++);
    span.style.background = p === null ? '#eee' : shade(p);
    span.setAttribute('aria-describedby', this.tip.id);
    span.dataset.p = p === null ? '' : String(p);
    const show = () => this.show(span, t, p);
    span.addEventListener('mouseenter', show);
    span.addEventListener('focus', show);
    span.addEventListener('mouseleave', () => this.hide());
    span.addEventListener('blur', () => this.hide());
    this.container.append(span);
  }

  show(span, t, p) {
    const rows = Object.entries(t.top ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([text, lp]) => `<tr${text === t.token ? ' class="chosen"' : ''}><td><code>${escapeHtml(showToken(text))}</code></td><td>${Math.exp(lp).toFixed(4)}</td><td>${lp.toFixed(3)}</td></tr>`)
      .join('');
    this.tip.innerHTML =
      `<p><code>${escapeHtml(showToken(t.token))}</code> · probability ${p === null ? '—' : p.toFixed(4)} · logprob ${t.logprob === null ? 'null' : t.logprob.toFixed(3)} · text_offset <b class="offset">${t.offset ?? '—'}</b>${span.classList.contains('prompt') ? ' · prompt token (echo)' : ''}</p>` +
      (rows ? `<table><thead><tr><th>alternative</th><th>p</th><th>logprob</th></tr></thead><tbody>${rows}</tbody></table>` : '');
    this.tip.hidden = false;
    const box = span.getBoundingClientRect();
    this.tip.style.left = `${Math.max(0, box.left + window.scrollX)}px`;
    this.tip.style.top = `${box.bottom + window.scrollY + 4}px`;
  }

  hide() {
    this.tip.hidden = true;
  }
}

export function escapeHtml(s) {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
