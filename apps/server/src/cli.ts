#!/usr/bin/env node
/**
 * `textgen-server` / `npm start`: parse flags and environment, listen at once (GET /health
 * answers 503 while the model loads), print the URL and the model, drain on SIGTERM/SIGINT.
 */
import { constants } from 'node:os';
import { ConfigError, helpText, parseCommandLine } from './config.js';
import type { ServerConfig } from './config.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { createProgressReporter } from './progress.js';
import type { ProgressReporter } from './progress.js';
import type { TextgenServer } from './server.js';
import { SERVER_VERSION } from './version.js';

/** The exit status, or -1 while serving (the process then lives until a signal). */
async function main(): Promise<number> {
  let command;
  try {
    command = parseCommandLine(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`textgen-server: ${error.message}\nRun with --help to list the options.\n`);
    return 2;
  }
  if (command.action === 'help') {
    process.stdout.write(helpText() + '\n');
    return 0;
  }
  if (command.action === 'version') {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return 0;
  }
  return serve(command.config);
}

async function serve(config: ServerConfig): Promise<number> {
  // Loaded only now: --help and bad flags answer without loading the inference runtime.
  const { createServer } = await import('./server.js');
  const logger = createLogger({ level: config.logLevel });
  const showProgress = config.logLevel === 'debug' || config.logLevel === 'info';
  const progress = createProgressReporter(process.stderr);
  let server;
  try {
    server = createServer({ ...config, logger, onProgress: showProgress ? (event) => progress.update(event) : undefined });
  } catch (error) {
    // An invalid preset file: nothing was started.
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`textgen-server: ${error.message}\n`);
    return 2;
  }
  try {
    const url = await server.listen();
    // The conformance self-test parses this line (/listening on (http:\/\/\S+)/): keep the phrase.
    process.stdout.write(`Textgen Spec server listening on ${url}\n`);
  } catch (error) {
    process.stderr.write(`textgen-server: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`);
    return 1;
  }
  stopOnSignals(server, logger);
  return awaitModel(server, progress, logger);
}

/** SIGTERM/SIGINT: drain and exit 0 (1 if closing fails); a second signal exits at once with 128 + its number (SIGINT 130, SIGTERM 143). */
function stopOnSignals(server: TextgenServer, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn('second signal: exiting without waiting', { signal });
      process.exit(128 + constants.signals[signal]);
    }
    stopping = true;
    logger.info('shutting down: draining requests', {
      signal,
      running: server.queue.running,
      queued: server.queue.waiting,
    });
    server.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('error while stopping', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Prints the served model once loaded (-1: keep serving); a load failure closes the server (1). */
async function awaitModel(server: TextgenServer, progress: ProgressReporter, logger: Logger): Promise<number> {
  try {
    const engine = await server.ready;
    progress.finish();
    const info = engine.info;
    process.stdout.write(
      `Serving model ${info.id} (${info.source}, ${info.modelType}, ${info.device}/${info.dtype}, context ${info.contextLength} tokens)\n`,
    );
    logger.info('ready', { model: info.id, path: info.path, device: info.device, dtype: info.dtype });
  } catch (error) {
    progress.finish();
    process.stderr.write(`textgen-server: the model failed to load: ${(error as Error).message}\n`);
    await server.close();
    return 1;
  }
  return -1;
}

main().then(
  (code) => {
    // -1: serving; the process lives until a signal.
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`textgen-server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
