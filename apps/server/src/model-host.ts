/**
 * The served model: its loading state, the names a request may use for it, its system
 * fingerprint, and its disposal at shutdown.
 */
import { createHash } from 'node:crypto';
import type { Engine } from '@textgen-spec/engine';
import { ApiError } from './errors.js';
import type { ModelState } from './request-context.js';
import { SERVER_VERSION } from './version.js';

export interface ModelHostOptions {
  /** Whether the host loaded the engine itself (then it disposes it). */
  owned: boolean;
  /** Extra names a request's `model` may use. */
  aliases: readonly string[];
}

export class ModelHost {
  /** Resolves once the first model is loaded; rejects if loading fails (never unhandled). */
  readonly ready: Promise<Engine>;
  #options: ModelHostOptions;
  #state: ModelState = { status: 'loading' };
  #fingerprint = '';

  constructor(loading: Engine | Promise<Engine>, options: ModelHostOptions) {
    this.#options = options;
    this.ready = this.#track(loading);
  }

  /** Follows a load: ready (with its fingerprint) or failed. */
  #track(loading: Engine | Promise<Engine>): Promise<Engine> {
    this.#state = { status: 'loading' };
    const ready = Promise.resolve(loading).then(
      (engine) => {
        this.#state = { status: 'ready', engine, loadedAt: Math.floor(Date.now() / 1000) };
        this.#fingerprint = systemFingerprint(engine);
        return engine;
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.#state = { status: 'failed', error: failure };
        throw failure;
      },
    );
    // Callers await it when they care; an unobserved failure must not crash the process.
    ready.catch(() => {});
    return ready;
  }

  /**
   * Serves another model (model/load): the current one is released first (see `release`);
   * requests get 503 while the new one loads.
   */
  async replace(loading: () => Promise<Engine>, release: (engine: Engine) => Promise<void>): Promise<Engine> {
    await this.unload(release);
    this.#options = { ...this.#options, owned: true };
    return this.#track(loading());
  }

  /** Stops serving (model/unload): `release` ends the engine's work, then an owned engine is disposed. */
  async unload(release: (engine: Engine) => Promise<void>): Promise<void> {
    const state = this.#state;
    this.#state = { status: 'unloaded' };
    this.#fingerprint = '';
    if (state.status !== 'ready') return;
    await release(state.engine);
    if (this.#options.owned) await state.engine.dispose();
  }

  /** 'loading' too while a worker-backed engine replaces a stalled or dead worker. */
  get state(): ModelState {
    if (this.#state.status === 'ready' && this.#state.engine.status === 'restarting') return { status: 'loading' };
    return this.#state;
  }

  /** `fp_` + a hash of the server version, model, device and dtype (stable across restarts); '' until loaded. */
  get systemFingerprint(): string {
    return this.#fingerprint;
  }

  /** The loaded engine, or a 503 while loading (or after loading failed). */
  requireEngine(): Engine {
    const state = this.state;
    if (state.status === 'ready') return state.engine;
    if (state.status === 'loading') {
      throw new ApiError(503, 'The model is still loading; retry shortly (GET /health returns 200 when ready).', {
        code: 'model_loading',
        headers: { 'Retry-After': '5' },
      });
    }
    if (state.status === 'unloaded') {
      throw new ApiError(503, 'No model is loaded; load one with POST /v1/internal/model/load.', { code: 'model_not_loaded' });
    }
    throw new ApiError(503, `The model failed to load: ${state.error.message}`, { code: 'model_load_failed' });
  }

  /** Names a request's `model` may use: the served id first, then the aliases. */
  modelNames(): string[] {
    const id = this.requireEngine().info.id;
    return [id, ...this.#options.aliases.filter((alias) => alias !== id)];
  }

  /** Disposes an owned engine; one still loading is disposed when it loads, without waiting. */
  async dispose(): Promise<void> {
    if (!this.#options.owned) return;
    if (this.#state.status === 'loading') {
      // Do not make shutdown wait for a load (or download) to finish: dispose when it does.
      this.ready.then((engine) => engine.dispose(), () => {});
      return;
    }
    if (this.#state.status === 'ready') await this.#state.engine.dispose();
  }
}

function systemFingerprint(engine: Engine): string {
  const { id, path, modelType, device, dtype } = engine.info;
  const hash = createHash('sha256').update([SERVER_VERSION, id, path, modelType, device, dtype].join('\n')).digest('hex');
  return `fp_${hash.slice(0, 12)}`;
}
