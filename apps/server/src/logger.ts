/**
 * Structured logs on stderr: JSON lines when stderr is not a terminal (for log collectors),
 * short readable lines when it is. Prompts and completions are never logged.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  readonly level: LogLevel;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** 'json' (one object per line) or 'pretty'; default: pretty on a TTY, json otherwise. */
  format?: 'json' | 'pretty';
  /** Where lines go; default process.stderr. */
  stream?: { write(chunk: string): unknown; isTTY?: boolean };
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A logger writing one line per call at or above `level`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? (stream.isTTY ? 'pretty' : 'json');
  const write = (lineLevel: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields = {}): void => {
    if (RANK[lineLevel] < RANK[level]) return;
    const line = format === 'json' ? jsonLine(lineLevel, message, fields) : prettyLine(lineLevel, message, fields);
    stream.write(line + '\n');
  };
  return {
    level,
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

/** A logger that prints nothing (tests, embedding). */
export const silentLogger: Logger = createLogger({ level: 'silent', stream: { write: () => true } });

function jsonLine(level: string, message: string, fields: LogFields): string {
  const record: Record<string, unknown> = { time: new Date().toISOString(), level, msg: message };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) record[key] = value;
  return JSON.stringify(record);
}

function prettyLine(level: string, message: string, fields: LogFields): string {
  const time = new Date().toISOString().slice(11, 23);
  const rest = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  return `${time} ${level.toUpperCase().padEnd(5)} ${message}${rest ? ' ' + rest : ''}`;
}
