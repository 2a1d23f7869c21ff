/**
 * Shows model download and load progress on stderr: one redrawn bar on a terminal, a few
 * plain lines otherwise (so CI logs stay short).
 */
import type { LoadProgressEvent } from '@textgen-spec/engine';

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressReporter {
  update(event: LoadProgressEvent): void;
  /** Ends the bar line (call once loading finished or failed). */
  finish(): void;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

/** A reporter for `stream`: a redrawn bar on a TTY, plain lines at 25% steps otherwise. */
export function createProgressReporter(stream: ProgressStream): ProgressReporter {
  return stream.isTTY ? new BarReporter(stream) : new LineReporter(stream);
}

function describe(event: LoadProgressEvent): string {
  const what = event.phase === 'download' ? 'Downloading' : event.phase === 'load' ? 'Loading' : 'Model ready';
  const file = event.file ? ` ${event.file}` : '';
  const bytes =
    event.loaded !== undefined && event.total !== undefined && event.total > 0
      ? ` (${formatBytes(event.loaded)} of ${formatBytes(event.total)})`
      : '';
  return `${what}${file}${bytes}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

class BarReporter implements ProgressReporter {
  readonly #stream: ProgressStream;
  #lastDraw = 0;
  #drawn = false;

  constructor(stream: ProgressStream) {
    this.#stream = stream;
  }

  update(event: LoadProgressEvent): void {
    const now = Date.now();
    if (event.phase !== 'ready' && now - this.#lastDraw < REDRAW_MS) return;
    this.#lastDraw = now;
    const percent = event.phase === 'ready' ? 100 : event.progress;
    const bar =
      percent === undefined
        ? ''
        : `[${'#'.repeat(Math.round((percent / 100) * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')}] ${percent.toFixed(0).padStart(3)}% `;
    const width = Math.max(20, (this.#stream.columns ?? 80) - 1);
    this.#stream.write(`\r${(bar + describe(event)).slice(0, width).padEnd(width)}`);
    this.#drawn = true;
  }

  finish(): void {
    if (this.#drawn) this.#stream.write('\n');
    this.#drawn = false;
  }
}

class LineReporter implements ProgressReporter {
  readonly #stream: ProgressStream;
  #lastKey = '';
  #lastStep = -1;

  constructor(stream: ProgressStream) {
    this.#stream = stream;
  }

  update(event: LoadProgressEvent): void {
    const key = `${event.phase}:${event.file ?? ''}`;
    const step = event.progress === undefined ? -1 : Math.floor(event.progress / 25);
    if (key === this.#lastKey && step === this.#lastStep) return;
    this.#lastKey = key;
    this.#lastStep = step;
    const percent = event.progress === undefined ? '' : `, ${event.progress.toFixed(0)}% in all`;
    this.#stream.write(`${describe(event)}${percent}\n`);
  }

  finish(): void {}
}
