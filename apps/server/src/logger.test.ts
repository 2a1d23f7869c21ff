import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (chunk: string) => lines.push(chunk) } };
}

describe('createLogger', () => {
  it('writes one JSON object per line when the stream is not a terminal', () => {
    const { lines, stream } = capture(false);
    createLogger({ stream }).info('request', { id: 'req_1', status: 200, prompt_tokens: 3, skipped: undefined });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ level: 'info', msg: 'request', id: 'req_1', status: 200, prompt_tokens: 3 });
    expect('skipped' in record).toBe(false);
    expect(Number.isNaN(Date.parse(record.time))).toBe(false);
  });

  it('writes readable key=value lines on a terminal', () => {
    const { lines, stream } = capture(true);
    createLogger({ stream }).warn('slow', { path: '/v1/completions', note: 'two words' });
    expect(lines[0]).toMatch(/WARN {2}slow path=\/v1\/completions note="two words"\n$/);
  });

  it('drops lines below the level', () => {
    const { lines, stream } = capture(false);
    const logger = createLogger({ stream, level: 'warn' });
    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['c', 'd']);
    const silent = capture(false);
    createLogger({ stream: silent.stream, level: 'silent' }).error('x');
    expect(silent.lines).toEqual([]);
  });
});
