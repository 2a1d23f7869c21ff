/**
 * The shape of packages/tiny-model/src, checked on its sources by the workspace's shared checks
 * (@textgen-spec/spec/testing, where each check is proven on a known bad input): no import
 * cycles, functions short enough to read at once, and no mutable module-level
 * state without a comment saying why.
 */
import { describeArchitecture } from '@textgen-spec/spec/testing';

describeArchitecture(import.meta.url, 'packages/tiny-model/src', { forbiddenImports: ['@textgen-spec/sampling', '@textgen-spec/engine', '@textgen-spec/server', '@textgen-spec/conformance'] });
