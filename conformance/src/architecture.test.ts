/**
 * The shape of conformance/src, checked on its sources by the workspace's shared checks
 * (@textgen-spec/spec/testing, where each check is proven on a known bad input): no import
 * cycles, no import of the server, engine, sampler or model (a runner tests servers from outside and knows only the spec), functions short enough to read at once, and no mutable module-level
 * state without a comment saying why.
 */
import { describeArchitecture } from '@textgen-spec/spec/testing';

describeArchitecture(import.meta.url, 'conformance/src', { forbiddenImports: ['@textgen-spec/server', '@textgen-spec/engine', '@textgen-spec/sampling', '@textgen-spec/tiny-model'] });
