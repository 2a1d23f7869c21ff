/**
 * Model management behind the admin key (TGW's --admin-key): which models can be loaded (the
 * embedded model and the folders of --models-dir), loading one with its progress in the log,
 * unloading. Used by model-admin-routes.ts through `RouteServices.models`.
 */
import { existsSync, readdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { EMBEDDED_MODEL_IDS, loadEngine } from '@textgen-spec/engine';
import type { Device, Dtype, Engine, LoadProgressEvent } from '@textgen-spec/engine';
import { ApiKeyChecker } from './auth.js';
import { engineThreads, type ServerConfig } from './config.js';
import { ApiError } from './errors.js';
import type { Logger } from './logger.js';
import type { ModelHost } from './model-host.js';
import type { RequestQueue } from './queue.js';
import type { ModelAdmin } from './request-context.js';

/** How long an unload waits for stopped completions to hand their slots back. */
const DRAIN_TIMEOUT_MS = 30_000;

export class ServerModelAdmin implements ModelAdmin {
  readonly #admin: ApiKeyChecker;

  constructor(
    private readonly config: ServerConfig,
    private readonly host: ModelHost,
    private readonly queue: RequestQueue,
    private readonly logger: Logger,
  ) {
    // As TGW: the admin key, else the API key.
    this.#admin = new ApiKeyChecker(config.adminKeys.length > 0 ? config.adminKeys : config.apiKeys);
  }

  checkAdmin(headers: IncomingMessage['headers']): void {
    // Unlike TGW, a server with no key at all keeps model management off (it would be open to anyone).
    if (!this.#admin.enabled) {
      throw new ApiError(403, 'Model management is disabled: start the server with --admin-key (or --api-key) to enable it.', {
        code: 'admin_disabled',
      });
    }
    this.#admin.check(headers);
  }

  available(): string[] {
    const dir = this.config.modelsDir;
    const folders =
      dir !== null && existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true })
            .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'config.json')))
            .map((entry) => entry.name)
            .sort()
        : [];
    return [...EMBEDDED_MODEL_IDS, ...folders.filter((name) => !EMBEDDED_MODEL_IDS.includes(name))];
  }

  async load(name: string, args: { dtype?: Dtype; device?: Device }): Promise<void> {
    const available = this.available();
    if (!available.includes(name)) {
      throw new ApiError(400, `Unknown model '${name}'. Available: ${available.map((n) => `'${n}'`).join(', ')}.`, {
        param: 'model_name',
        code: 'model_not_found',
      });
    }
    const model = EMBEDDED_MODEL_IDS.includes(name) ? name : join(this.config.modelsDir!, name);
    this.logger.info('model load', { model: name });
    const onProgress = progressLogger(this.logger, name);
    const options = { model, device: args.device ?? this.config.device, dtype: args.dtype ?? this.config.dtype, cacheDir: this.config.cacheDir, localFilesOnly: this.config.offline, batch: { maxRows: this.config.maxBatchRows, maxTokens: this.config.maxBatchTokens }, threads: engineThreads(this.config), prefillPassMs: this.config.prefillPassMs, onProgress };
    await this.host.replace(() => loadEngine(options), (engine) => this.#release(engine));
    this.logger.info('model loaded', { model: name });
  }

  async unload(): Promise<void> {
    await this.host.unload((engine) => this.#release(engine));
    this.logger.info('model unloaded', {});
  }

  /** Stops the engine's running completions and waits until every slot is free again. */
  async #release(engine: Engine): Promise<void> {
    await engine.stopAll();
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (this.queue.running > 0 && Date.now() < deadline) {
      await engine.stopAll();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Logs load progress: each phase once, then every 10 percent. */
function progressLogger(logger: Logger, model: string): (event: LoadProgressEvent) => void {
  let phase = '';
  let step = -1;
  return (event) => {
    const tenth = Math.floor((event.progress ?? 0) / 10);
    if (event.phase === phase && tenth <= step) return;
    phase = event.phase;
    step = tenth;
    logger.info('model load progress', { model, phase: event.phase, progress: event.progress === undefined ? undefined : Math.round(event.progress) });
  };
}
