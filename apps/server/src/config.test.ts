import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, FLAGS, engineThreads, helpText, parseCommandLine, parseKeyFile } from './config.js';

function serve(argv: string[], env: Record<string, string> = {}, readFile?: (path: string) => string) {
  const command = parseCommandLine(argv, env, readFile ? { readFile } : {});
  if (command.action !== 'serve') throw new Error(`expected serve, got ${command.action}`);
  return command.config;
}

describe('parseCommandLine', () => {
  it('gives the documented defaults with no flags and no environment', () => {
    expect(serve([])).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toMatchObject({ host: '127.0.0.1', port: 5000, maxConcurrency: 16, maxBatchRows: 16, profile: 'compat' });
  });

  it('admits as many completions as --max-batch-rows unless --max-concurrency says otherwise', () => {
    expect(serve(['--max-batch-rows', '40'])).toMatchObject({ maxBatchRows: 40, maxConcurrency: 40 });
    expect(serve(['--max-batch-rows', '40', '--max-concurrency', '1'])).toMatchObject({ maxBatchRows: 40, maxConcurrency: 1 });
  });

  it('reads every flag', () => {
    const config = serve([
      '--host', '0.0.0.0', '--port', '0', '--model', 'org/name', '--model-alias', 'gpt-3.5-turbo-instruct, davinci-002',
      '--device', 'webgpu', '--dtype', 'q8', '--cache-dir', '/tmp/c', '--offline', '--api-key', 'k1,k2',
      '--cors-origin', 'http://a.test,http://b.test', '--max-body-bytes', '2048', '--max-concurrency', '4',
      '--max-queue', '0', '--max-batch-rows', '24', '--max-batch-tokens', '9000', '--threads', '3', '--thread-spin', 'off', '--prefill-pass-ms', '250', '--request-timeout', '1.5', '--worker-stall-timeout', '2', '--write-timeout', '0.5', '--max-connections', '9', '--profile', 'strict', '--log-level', 'debug',
      '--presets-dir', '/srv/presets', '--unknown-fields', 'reject', '--admin-key', 'a1', '--models-dir', '/srv/models',
    ]);
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 0,
      model: 'org/name',
      modelAliases: ['gpt-3.5-turbo-instruct', 'davinci-002'],
      device: 'webgpu',
      dtype: 'q8',
      cacheDir: '/tmp/c',
      offline: true,
      apiKeys: ['k1', 'k2'],
      corsOrigins: ['http://a.test', 'http://b.test'],
      maxBodyBytes: 2048,
      maxConcurrency: 4,
      maxQueue: 0,
      maxBatchRows: 24,
      maxBatchTokens: 9000,
      threads: 3,
      threadSpin: 'off',
      prefillPassMs: 250,
      requestTimeoutMs: 1500,
      workerStallTimeoutMs: 2000,
      writeTimeoutMs: 500,
      maxConnections: 9,
      logLevel: 'debug',
      profile: 'strict',
      unknownFields: 'reject',
      adminKeys: ['a1'],
      modelsDir: '/srv/models',
      presetsDir: '/srv/presets',
    });
  });

  it('hands --threads and --thread-spin to the engine as onnxruntime thread options', () => {
    expect(engineThreads(serve(['--threads', '2', '--thread-spin', 'run']))).toEqual({ count: 2, spin: 'run' });
    expect(engineThreads(serve(['--thread-spin', 'off']))).toEqual({ count: 0, spin: false });
    expect(engineThreads(serve(['--thread-spin', 'on']))).toEqual({ count: 0, spin: true });
    expect(serve([], { TEXTGEN_THREADS: '1', TEXTGEN_THREAD_SPIN: 'off' })).toMatchObject({ threads: 1, threadSpin: 'off' });
  });

  it('reads the environment, and the flag wins over it', () => {
    const env = { TEXTGEN_PORT: '6000', TEXTGEN_MODEL: '/models/x', TEXTGEN_OFFLINE: 'true', TEXTGEN_LOG_LEVEL: 'warn' };
    expect(serve([], env)).toMatchObject({ port: 6000, model: '/models/x', offline: true, logLevel: 'warn' });
    expect(serve(['--port', '7000'], env).port).toBe(7000);
    expect(serve([], { TEXTGEN_OFFLINE: '0' }).offline).toBe(false);
    expect(serve([], { TEXTGEN_PRESETS_DIR: '/p' }).presetsDir).toBe('/p');
  });

  it('every flag but help/version has a TEXTGEN_ environment variable, and --help lists them all', () => {
    const help = helpText();
    for (const flag of FLAGS) {
      expect(help).toContain(`--${flag.name}`);
      if (flag.name === 'help' || flag.name === 'version') continue;
      expect(flag.env).toBe(`TEXTGEN_${flag.name.toUpperCase().replaceAll('-', '_')}`);
      expect(help).toContain(flag.env!);
    }
  });

  it('answers help and version', () => {
    expect(parseCommandLine(['--help'], {})).toEqual({ action: 'help' });
    expect(parseCommandLine(['--version'], {})).toEqual({ action: 'version' });
  });

  it.each([
    [['--port', 'abc'], /--port must be an integer/],
    [['--port', '70000'], /--port must be between 0 and 65535/],
    [['--port=-1'], /--port must be between 0 and 65535 \(got -1\)/],
    [['--device', 'tpu'], /--device must be one of cpu, webgpu/],
    [['--max-concurrency', '0'], /--max-concurrency must be between 1/],
    [['--max-batch-rows', '0'], /--max-batch-rows must be between 1/],
    [['--max-batch-tokens', 'x'], /--max-batch-tokens/],
    [['--threads=-1'], /--threads must be between 0 and 1024/],
    [['--threads', '-2'], /--threads must be between 0 and 1024 \(got -2\)/],
    [['--port', '-1'], /--port must be between 0 and 65535/],
    [['--port', '-x'], /Option '--port' argument is ambiguous/],
    [['--threads', '2000'], /--threads must be between 0 and 1024/],
    [['--threads', '1.5'], /--threads must be an integer/],
    [['--thread-spin', 'maybe'], /--thread-spin must be one of on, run, off/],
    [['--request-timeout', 'soon'], /--request-timeout must be a number of seconds/],
    [['--api-key', ''], /--api-key is empty or blank/],
    [['--api-key', ' , '], /--api-key is empty or blank/],
    [['--profile', 'lenient'], /--profile must be one of compat, strict/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['positional'], /positional/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommandLine(argv, {})).toThrow(ConfigError);
    expect(() => parseCommandLine(argv, {})).toThrow(message);
  });

  it('names the environment variable when the bad value came from it', () => {
    expect(() => parseCommandLine([], { TEXTGEN_MAX_QUEUE: 'lots' })).toThrow(/TEXTGEN_MAX_QUEUE must be an integer/);
    expect(() => parseCommandLine([], { TEXTGEN_OFFLINE: 'maybe' })).toThrow(/TEXTGEN_OFFLINE must be true or false/);
    expect(() => parseCommandLine([], { TEXTGEN_API_KEY: '' })).toThrow(/TEXTGEN_API_KEY is empty or blank/);
  });

  it('merges --api-key with the keys of --api-key-file', () => {
    const files: Record<string, string> = { '/keys': '# team keys\nalpha\n\n  beta  # ci\n' };
    const config = serve(['--api-key', 'cli', '--api-key-file', '/keys'], {}, (path) => {
      const text = files[path];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    });
    expect(config.apiKeys).toEqual(['cli', 'alpha', 'beta']);
    expect(() => serve(['--api-key-file', '/missing'], {}, () => { throw new Error('ENOENT'); })).toThrow(/cannot read --api-key-file/);
    expect(() => serve(['--api-key-file', '/empty'], {}, () => '# nothing\n')).toThrow(/holds no key/);
  });
});

describe('parseKeyFile', () => {
  it('drops comments and blank lines, handles CRLF', () => {
    expect(parseKeyFile('a\r\n#b\r\n c \r\n')).toEqual(['a', 'c']);
  });
});
