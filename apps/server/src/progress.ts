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
/** Without a terminal, files at least this large also get a line at 25%, 50% and 75%. */
const LARGE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * A reporter for `stream`: one redrawn bar on a TTY, a few plain lines otherwise. Both show
 * per-file progress (the set of files is only known as they are read, so a total over all
 * files would jump back each time a new one starts) and end with one "Model ready" line;
 * events that come after it are ignored.
 */
export function createProgressReporter(stream: ProgressStream): ProgressReporter {
  return stream.isTTY ? new BarReporter(stream) : new LineReporter(stream);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** Per-file byte counts, shared by both reporters. */
class FileTally {
  readonly #files = new Map<string, { loaded: number; total: number }>();

  /** Records an event; returns its file's counts (undefined for an event without a file). */
  add(event: LoadProgressEvent): { loaded: number; total: number } | undefined {
    if (event.file === undefined) return undefined;
    const counts = { loaded: event.loaded ?? 0, total: event.total ?? 0 };
    this.#files.set(event.file, counts);
    return counts;
  }

  /** "5 files, 21.0 MB" (or "" when no file was reported). */
  summary(): string {
    if (this.#files.size === 0) return '';
    let bytes = 0;
    for (const file of this.#files.values()) bytes += Math.max(file.loaded, file.total);
    return `${this.#files.size} file${this.#files.size === 1 ? '' : 's'}, ${formatBytes(bytes)}`;
  }
}

function verb(event: LoadProgressEvent): string {
  return event.phase === 'download' ? 'Downloading' : 'Loading';
}

function readyLine(tally: FileTally): string {
  const summary = tally.summary();
  return `Model ready${summary ? ` (${summary})` : ''}`;
}

class BarReporter implements ProgressReporter {
  readonly #stream: ProgressStream;
  readonly #tally = new FileTally();
  #lastDraw = 0;
  #lastFile: string | undefined;
  #drawn = false;
  #closed = false;

  constructor(stream: ProgressStream) {
    this.#stream = stream;
  }

  update(event: LoadProgressEvent): void {
    if (this.#closed) return;
    if (event.phase === 'ready') {
      this.#draw(100, readyLine(this.#tally));
      this.finish();
      return;
    }
    const counts = this.#tally.add(event);
    const now = Date.now();
    // Redraw at most every REDRAW_MS, but always when another file starts.
    if (event.file === this.#lastFile && now - this.#lastDraw < REDRAW_MS) return;
    this.#lastDraw = now;
    this.#lastFile = event.file;
    const percent = counts && counts.total > 0 ? Math.min(100, (counts.loaded / counts.total) * 100) : undefined;
    const bytes = counts && counts.total > 0 ? ` (${formatBytes(counts.loaded)} of ${formatBytes(counts.total)})` : '';
    this.#draw(percent, `${verb(event)} ${event.file ?? 'model'}${bytes}`);
  }

  #draw(percent: number | undefined, text: string): void {
    const bar =
      percent === undefined
        ? ''
        : `[${'#'.repeat(Math.round((percent / 100) * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')}] ${percent.toFixed(0).padStart(3)}% `;
    const width = Math.max(20, (this.#stream.columns ?? 80) - 1);
    this.#stream.write(`\r${(bar + text).slice(0, width).padEnd(width)}`);
    this.#drawn = true;
  }

  finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#drawn) this.#stream.write('\n');
  }
}

/** One line per file once it is read (large files also at 25% steps), then "Model ready". */
class LineReporter implements ProgressReporter {
  readonly #stream: ProgressStream;
  readonly #tally = new FileTally();
  /** Per file: the last quarter reported (4 = done). */
  readonly #reported = new Map<string, number>();
  #closed = false;

  constructor(stream: ProgressStream) {
    this.#stream = stream;
  }

  update(event: LoadProgressEvent): void {
    if (this.#closed) return;
    if (event.phase === 'ready') {
      this.#stream.write(`${readyLine(this.#tally)}\n`);
      this.#closed = true;
      return;
    }
    const counts = this.#tally.add(event);
    if (event.file === undefined || counts === undefined || counts.total <= 0) return;
    const quarter = Math.min(4, Math.floor((counts.loaded / counts.total) * 4));
    const last = this.#reported.get(event.file) ?? 0;
    if (quarter <= last || (quarter < 4 && counts.total < LARGE_FILE_BYTES)) return;
    this.#reported.set(event.file, quarter);
    const done = event.phase === 'download' ? 'Downloaded' : 'Loaded';
    this.#stream.write(
      quarter === 4
        ? `${done} ${event.file} (${formatBytes(counts.total)})\n`
        : `${verb(event)} ${event.file}: ${quarter * 25}% of ${formatBytes(counts.total)}\n`,
    );
  }

  finish(): void {
    this.#closed = true;
  }
}
