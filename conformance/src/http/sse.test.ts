import { describe, expect, test } from 'vitest';
import { parseSse, SseParser } from './sse.js';

describe('SseParser', () => {
  test('splits data events on blank lines with LF, CRLF and CR line ends', () => {
    for (const nl of ['\n', '\r\n', '\r']) {
      const p = parseSse(`data: {"a":1}${nl}${nl}data: [DONE]${nl}${nl}`);
      expect(p.events.map((e) => e.data)).toEqual(['{"a":1}', '[DONE]']);
      expect(p.anomalies).toEqual([]);
    }
  });

  test('joins several data lines with a newline and strips one leading space only', () => {
    const p = parseSse('data:  two spaces\ndata:none\n\n');
    expect(p.events[0]!.data).toBe(' two spaces\nnone');
  });

  test('counts comments, keeps event names, ignores id and retry', () => {
    const p = parseSse(': ping\nevent: error\nid: 7\nretry: 10\ndata: x\n\n');
    expect(p.comments).toBe(1);
    expect(p.events).toEqual([{ data: 'x', event: 'error', at: 0 }]);
  });

  test('accepts any split of the byte stream, including inside a CRLF pair', () => {
    const text = 'data: one\r\n\r\ndata: two\r\n\r\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      p.push(text.slice(0, cut));
      p.push(text.slice(cut));
      p.end();
      expect(p.events.map((e) => e.data)).toEqual(['one', 'two']);
    }
  });

  test('reports what departs from the format', () => {
    const p = parseSse('data: a\nbogus: 1\n\nevent: x\n\ndata: tail');
    expect(p.events.map((e) => e.data)).toEqual(['a', 'tail']);
    expect(p.anomalies.map((a) => a.kind)).toEqual(['unknown-field', 'no-data-field', 'unterminated-event']);
  });
});
