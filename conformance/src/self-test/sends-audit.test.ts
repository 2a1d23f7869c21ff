import { describe, expect, test } from 'vitest';
import { disagreements, mentions } from './sends-audit.js';

describe('the sends audit', () => {
  test('reads parameters and literal values from backticked code', () => {
    expect(mentions('`{"n": 3, "temperature": 1, "seed": s, "stop": ["a", "b"]}` then `epsilon_cutoff: 3`; not n: 9 outside code')).toEqual([
      { param: 'n', value: 3 },
      { param: 'temperature', value: 1 },
      { param: 'seed' },
      { param: 'stop', value: ['a', 'b'] },
      { param: 'epsilon_cutoff', value: 3 },
    ]);
    expect(mentions('`{"x_conformance_probe": true}`')).toEqual([]);
    expect(mentions('`custom_token_bans: "<id>"`')).toEqual([{ param: 'custom_token_bans' }]);
  });

  test('fails a text that names a parameter or value the requests did not carry', () => {
    const bodies = [{ prompt: 'a', n: 3 }, { prompt: 'a', top_k: 1 }];
    expect(disagreements('`{"n": 3}` then `{"top_k": 1}`', bodies)).toEqual([]);
    expect(disagreements('`{"n": 2, "min_p": 1}`', bodies)).toEqual(['says n 2, the requests sent 3', 'names min_p, which no request carried']);
    expect(disagreements('`{"prompt": ...}`', ['{"prompt": '])).toEqual([]);
    expect(disagreements('`{"stop": "."}`', [{ stop: ['.', '\n'] }])).toEqual(['says stop ".", the requests sent [".","\\n"]']);
  });
});
