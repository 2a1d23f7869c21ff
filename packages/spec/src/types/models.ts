/**
 * The wire shape of `GET /v1/models` and `GET /v1/models/{id}`.
 * See completion-request.ts for the generator tags.
 */

/**
 * A model the server can serve. Servers may add fields (llama.cpp adds `meta`).
 * @additionalProperties true
 */
export interface Model {
  /** The model id, as accepted in a request's `model`. */
  id: string;
  /** Always `model`. */
  object: 'model';
  /**
   * Unix time in seconds when the model was created or loaded (TGW sends 0).
   * @TJS-type integer
   * @minimum 0
   */
  created: number;
  /** Who owns the model (e.g. `organization-owner`, `user`, `llamacpp`). */
  owned_by: string;
}

/**
 * The response of `GET /v1/models`.
 * @additionalProperties true
 */
export interface ModelList {
  /** Always `list`. */
  object: 'list';
  /** The models. */
  data: Model[];
}
