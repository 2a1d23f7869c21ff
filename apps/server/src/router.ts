/**
 * Route matching: which route of a table answers a method and path, the OPTIONS answer, and
 * the 404 and 405 envelopes. Knows nothing of the handlers beyond the `Route` shape.
 */
import { ApiError } from './errors.js';
import type { RequestContext } from './request-context.js';

export interface Route {
  method: 'GET' | 'POST';
  /** Exact path, or a prefix when it ends with '/' (the rest is a parameter); '/' itself is exact. */
  path: string;
  /** Whether the API key is required (everything but /health). */
  auth: boolean;
  handle(context: RequestContext): Promise<void>;
}

/** What a request matched: a route to run, or (OPTIONS) the methods the path allows. */
export type RouteMatch = { kind: 'route'; route: Route } | { kind: 'options'; allowed: string[] };

/** Whether `route` serves `path`: its exact path, or below it for a prefix route (a path ending in '/', other than '/'). */
export function routeMatchesPath(route: Route, path: string): boolean {
  return route.path.length > 1 && route.path.endsWith('/') ? path.startsWith(route.path) && path.length > route.path.length : path === route.path;
}

/** Whether every route serving `path` is open without the API key (false for an unknown path). */
export function isPublicPath(routes: readonly Route[], path: string): boolean {
  const serving = routes.filter((route) => routeMatchesPath(route, path));
  return serving.length > 0 && serving.every((route) => !route.auth);
}

/**
 * The route of `routes` for `method` (HEAD counts as GET) and `path`; throws a 404 for an
 * unknown path and a 405 (with Allow) for a known path with another method.
 */
export function matchRoute(routes: readonly Route[], method: string | undefined, path: string): RouteMatch {
  const candidates = routes.filter((route) => routeMatchesPath(route, path));
  if (candidates.length === 0) {
    throw new ApiError(404, `Unknown route: ${method} ${path}`, { code: 'not_found' });
  }
  const wanted = method === 'HEAD' ? 'GET' : method;
  const allowed = [...new Set(candidates.map((route) => route.method))];
  if (wanted === 'OPTIONS') return { kind: 'options', allowed };
  const route = candidates.find((candidate) => candidate.method === wanted);
  if (route === undefined) {
    throw new ApiError(405, `Method ${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`, {
      code: 'method_not_allowed',
      headers: { Allow: allowed.join(', ') },
    });
  }
  return { kind: 'route', route };
}

/** The path of a request URL ('/' when it cannot be parsed). */
export function pathOf(url: string | undefined): string {
  try {
    // A path starting with '//' would parse as a host: keep it as sent.
    const target = url ?? '/';
    return new URL(target.startsWith('/') ? `http://localhost${target}` : target, 'http://localhost').pathname;
  } catch {
    return '/';
  }
}
