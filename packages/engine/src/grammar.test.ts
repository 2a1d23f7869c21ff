/** grammar_string on the tiny model: every output is a sentence (or, cut short, a prefix) of the grammar. */
import { beforeAll, describe, expect, test } from 'vitest';
import { collect, tinyEngine } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import { EngineRequestError, type LocalEngine } from './types.js';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await tinyEngine();
});

const YES_NO = 'root ::= "yes" | "no"';

/**
 * A small JSON grammar (an array of short lowercase strings). Its repetitions are bounded:
 * the tiny model never chooses a closing quote by itself (it is not a word of its rhyme), so
 * the grammar has to end each string.
 */
const JSON_LIST = String.raw`
# a JSON array of one to three short strings
root ::= "[" string ("," ws string){0,2} "]"
string ::= "\"" [a-z ]{1,12} "\""
ws ::= " "?
`;

describe('grammar_string', () => {
  test('root ::= "yes" | "no" only ever yields yes or no (many seeds, temperature 1)', async () => {
    const texts = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const r = await collect(engine, makeRequest({ prompts: ['Is this the house that Jack built?'], seed, grammar_string: YES_NO, max_tokens: 8 }));
      expect(['yes', 'no']).toContain(r.choices[0]!.text);
      expect(r.choices[0]!.finish).toBe('stop');
      texts.add(r.choices[0]!.text);
    }
    // The model has no preference between the two (neither word is in its rhyme): both come up.
    expect(texts).toEqual(new Set(['yes', 'no']));
    // Without the grammar the model talks about its rhyme instead.
    const free = await collect(engine, makeRequest({ prompts: ['Is this the house that Jack built?'], seed: 0, max_tokens: 8 }));
    expect(['yes', 'no']).not.toContain(free.choices[0]!.text);
  });

  test('a JSON grammar yields parseable JSON, n and best_of included', async () => {
    const r = await collect(engine, makeRequest({ prompts: ['This is the'], n: 3, seed: 11, grammar_string: JSON_LIST, max_tokens: 100 }));
    for (const choice of r.choices) {
      expect(choice.finish).toBe('stop');
      const value = JSON.parse(choice.text) as unknown;
      expect(Array.isArray(value)).toBe(true);
      for (const item of value as unknown[]) expect(item).toMatch(/^[a-z ]{1,12}$/);
    }
    const best = await collect(engine, makeRequest({ prompts: ['This is the'], n: 1, best_of: 3, seed: 4, grammar_string: JSON_LIST, max_tokens: 100 }));
    expect(() => JSON.parse(best.choices[0]!.text)).not.toThrow();
  });

  test('the model still chooses among what the grammar allows (greedy follows the rhyme)', async () => {
    const r = await collect(engine, greedy({ prompts: ['This is the house'], grammar_string: 'root ::= [a-z ]+ "."', max_tokens: 12 }));
    // Only lowercase words and spaces: the rhyme's "\nThat" is not allowed, " that Jack" is.
    expect(r.choices[0]!.text).toMatch(/^[a-z ]+\.?$/);
    expect(r.choices[0]!.text.startsWith(' that')).toBe(true);
  });

  test('EOS ends the choice once the grammar is complete', async () => {
    // After "built." the rhyme goes on with a new line or ends its text; the grammar rules the
    // new line out, so EOS becomes the greedy choice once "." completes the grammar.
    const r = await collect(engine, greedy({ prompts: ['This is the house that Jack built'], grammar_string: 'root ::= "." [a-z ]*', max_tokens: 10 }));
    expect(r.choices[0]!.text).toBe('.');
    expect(r.choices[0]!.finish).toBe('stop');
    expect(r.usage.completion_tokens).toBe(2); // "." and EOS
    // Without the grammar the model does not stop there.
    const free = await collect(engine, greedy({ prompts: ['This is the house that Jack built'], max_tokens: 10 }));
    expect(free.choices[0]!.text.length).toBeGreaterThan(1);
  });

  test('max_tokens cuts a grammar short with "length"; stop strings still apply', async () => {
    const short = await collect(engine, makeRequest({ prompts: ['This is the'], seed: 3, grammar_string: JSON_LIST, max_tokens: 3 }));
    expect(short.choices[0]!.finish).toBe('length');
    expect(short.choices[0]!.text.startsWith('["')).toBe(true);
    const fixed = 'root ::= "That lay in the house that Jack built."';
    const whole = await collect(engine, makeRequest({ prompts: ['Mary'], seed: 1, grammar_string: fixed, max_tokens: 50 }));
    expect(whole.choices[0]!.text).toBe('That lay in the house that Jack built.');
    expect(whole.choices[0]!.finish).toBe('stop');
    const stopped = await collect(engine, makeRequest({ prompts: ['Mary'], seed: 1, grammar_string: fixed, max_tokens: 50, stop: [' Jack'] }));
    expect(stopped.choices[0]!.text).toBe('That lay in the house that');
    expect(stopped.choices[0]!.finish).toBe('stop');
  });

  test('an invalid grammar is a 400 naming grammar_string with the line and column', async () => {
    const iterator = engine.complete(makeRequest({ grammar_string: 'root ::= "yes" | no-rule\n' }))[Symbol.asyncIterator]();
    const error = await iterator.next().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(EngineRequestError);
    expect((error as EngineRequestError).param).toBe('grammar_string');
    expect((error as EngineRequestError).code).toBe('invalid_grammar');
    expect((error as EngineRequestError).message).toMatch(/undefined rule 'no-rule' \(line 1, column 18\)/);
    const syntax = await engine.complete(makeRequest({ grammar_string: 'root ::= "a"\nnext ::= [b' }))[Symbol.asyncIterator]().next().then(() => null, (e: unknown) => e);
    expect((syntax as EngineRequestError).message).toMatch(/line 2, column 10/);
  });
});
