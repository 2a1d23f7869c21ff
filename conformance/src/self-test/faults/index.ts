/**
 * Named faults for the fault-injection proxy. Each imitates a bug seen in a real server
 * (the description says which) and lists the checks it must make fail. The self-test runs
 * each fault's targets through the proxy and requires every one of them to fail (or warn,
 * for INFO checks), and requires every check to be the target of at least one fault.
 *
 * The catalogue is split by feature area; this list assembles it in its historical order.
 */
import { CHOICE_FAULTS } from './choices.js';
import { CLIENT_FAULTS } from './clients.js';
import { CORE_FAULTS } from './core.js';
import { ERROR_FAULTS } from './errors.js';
import { EXT_FAULTS } from './ext.js';
import { INTERNAL_API_FAULTS } from './internal-api.js';
import { LOGPROBS_FAULTS } from './logprobs.js';
import { SEED_FAULTS } from './seed.js';
import { STOP_FAULTS } from './stop.js';
import { STREAM_FAULTS } from './stream.js';
import type { Fault } from './types.js';

export { ignoreParams } from './helpers.js';
export type { Fault, JsonObject, ProxyReply, ProxyRequest, ProxyState, SseItem } from './types.js';

/** Every fault the self-test runs. */
export const FAULTS: readonly Fault[] = [
  ...CORE_FAULTS,
  ...ERROR_FAULTS,
  ...STOP_FAULTS,
  ...LOGPROBS_FAULTS,
  ...SEED_FAULTS,
  ...STREAM_FAULTS,
  ...CHOICE_FAULTS,
  ...EXT_FAULTS,
  ...CLIENT_FAULTS,
  ...INTERNAL_API_FAULTS,
];
