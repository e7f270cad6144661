import { RnnkitError } from '../errors.js';
import type { Backend } from './backend.js';

/**
 * A backend package exports one of these; users (or `createBackend`) register it. No import
 * side effects: nothing registers itself.
 */
export interface BackendDefinition<Options = unknown> {
  name: string;
  /** Higher is preferred when no name is asked for. */
  priority: number;
  /** Starts the backend, or throws an RnnkitError('BACKEND_UNAVAILABLE') saying why it can't here. */
  create(options?: Options): Promise<Backend>;
}

const registry = new Map<string, BackendDefinition<any>>();

export function registerBackend(def: BackendDefinition<any>): void {
  if (registry.has(def.name)) {
    throw new RnnkitError('INVALID_ARGUMENT', `registerBackend: a backend named "${def.name}" is already registered`, { argument: 'name' });
  }
  registry.set(def.name, def);
}

export function unregisterBackend(name: string): boolean {
  return registry.delete(name);
}

export function registeredBackends(): string[] {
  return [...registry.values()].sort((a, b) => b.priority - a.priority).map((d) => d.name);
}

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
      return await def.create(opts.options);
    } catch (e) {
      reasons.push(`${n}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new RnnkitError('BACKEND_UNAVAILABLE', `createBackend: no backend could start — ${reasons.join('; ')}`, { argument: 'name' });
}
