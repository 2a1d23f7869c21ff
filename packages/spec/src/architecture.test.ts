/**
 * The shape of packages/spec/src, checked on its sources by the workspace's shared checks
 * (src/testing/source-checks.ts, published as @textgen-spec/spec/testing, where each check is proven on a known bad input): no import
 * cycles, functions short enough to read at once, and no mutable module-level
 * state without a comment saying why.
 */
import { describeArchitecture } from './testing/architecture-suite.js';

describeArchitecture(import.meta.url, 'packages/spec/src', { forbiddenImports: ['@textgen-spec/sampling', '@textgen-spec/engine', '@textgen-spec/server', '@textgen-spec/conformance', '@textgen-spec/tiny-model'] });
