import { describe, RnnkitError } from '../errors.js';
import type { Backend } from './backend.js';
import { BACKEND_SPEC_VERSION } from './backend.js';

/**
 * A backend package exports one of these; users (or `createBackend`) register it. No import
 * side effects: nothing registers itself.
 */
export interface BackendDefinition<Options = unknown> {
  /** Registry key, as `createBackend(name)` asks for it (e.g. `cpu`, `webgpu`); unique among registered backends. */
  name: string;
  /** Higher is preferred when no name is asked for. */
  priority: number;
  /** Starts the backend, or throws an RnnkitError('BACKEND_UNAVAILABLE') saying why it can't here. */
  create(options?: Options): Promise<Backend>;
}

// Definitions of any options type: create() is called with the caller's untyped options.
const registry = new Map<string, BackendDefinition<never>>();

/**
 * Registers a definition. Registering the same definition again is a no-op; another definition
 * under a registered name is refused (unregister the first).
 */
export function registerBackend<Options>(def: BackendDefinition<Options>): void {
  if (def === null || typeof def !== 'object' || typeof def.name !== 'string' || typeof def.create !== 'function' || typeof def.priority !== 'number') {
    throw new RnnkitError('INVALID_ARGUMENT', `registerBackend: def: expected { name: string, priority: number, create() }, got ${describe(def)}`, {
      argument: 'def',
    });
  }
  const known = registry.get(def.name);
  if (known === def) return;
  if (known) {
    throw new RnnkitError(
      'INVALID_ARGUMENT',
      `registerBackend: a different backend named "${def.name}" is already registered; unregisterBackend("${def.name}") first`,
      {
        argument: 'name',
      },
    );
  }
  registry.set(def.name, def);
}

/** A started backend must speak this core's interface version; says why not. */
function checkSpecification(name: string, be: Backend): void {
  const v = be !== null && typeof be === 'object' ? (be as { specificationVersion?: unknown }).specificationVersion : undefined;
  if (v !== BACKEND_SPEC_VERSION) {
    throw new RnnkitError(
      'BACKEND_UNAVAILABLE',
      `${name}: the backend speaks interface ${describe(v)}, this @rnnkit/core speaks ${JSON.stringify(BACKEND_SPEC_VERSION)}; install versions of the backend and core that match`,
      { argument: 'specificationVersion' },
    );
  }
}

/** Removes a registered definition; true when there was one under `name`. Backends it already created keep working. */
export function unregisterBackend(name: string): boolean {
  return registry.delete(name);
}

/** Names of the registered definitions, highest priority first (the order `createBackend()` tries them). */
export function registeredBackends(): string[] {
  return [...registry.values()].sort((a, b) => b.priority - a.priority).map((d) => d.name);
}

/** Options of `createBackend`. */
export interface CreateBackendOptions {
  /** Names to try, in order, when the first can't start. */
  fallback?: string[];
  /** Options passed to each definition's create(). */
  options?: Record<string, unknown>;
}

/**
 * Starts the named backend (or the registered one of highest priority). When it can't start,
 * tries `fallback` in order; if all fail the error lists every reason collected.
 */
export async function createBackend(name?: string, opts: CreateBackendOptions = {}): Promise<Backend> {
  if (name !== undefined && typeof name !== 'string')
    throw new RnnkitError('INVALID_ARGUMENT', `name: expected a backend name (a string), got ${describe(name)}`, { argument: 'name' });
  if (opts === null || typeof opts !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `opts: expected { fallback, options }, got ${describe(opts)}`, { argument: 'opts' });
  if (opts.fallback !== undefined && (!Array.isArray(opts.fallback) || !opts.fallback.every((f) => typeof f === 'string'))) {
    throw new RnnkitError('INVALID_ARGUMENT', `opts.fallback: expected a list of backend names, got ${describe(opts.fallback)}`, { argument: 'opts.fallback' });
  }
  const order = name ? [name, ...(opts.fallback ?? [])] : registeredBackends();
  if (order.length === 0) {
    throw new RnnkitError('BACKEND_UNAVAILABLE', 'createBackend: no backend is registered; call registerBackend(...) first', { argument: 'name' });
  }
  const reasons: string[] = [];
  for (const n of order) {
    const def = registry.get(n);
    if (!def) {
      reasons.push(`${n}: not registered (registered: ${registeredBackends().join(', ') || 'none'})`);
      continue;
    }
    try {
      const be = await (def.create as (options?: unknown) => Promise<Backend>)(opts.options);
      try {
        checkSpecification(n, be);
      } catch (e) {
        if (be && typeof be.destroy === 'function') be.destroy();
        throw e;
      }
      return be;
    } catch (e) {
      reasons.push(`${n}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new RnnkitError('BACKEND_UNAVAILABLE', `createBackend: no backend could start — ${reasons.join('; ')}`, { argument: 'name' });
}
