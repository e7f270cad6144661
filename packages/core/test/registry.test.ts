import { afterEach, describe, expect, it } from 'vitest';
import { createBackend, registerBackend, registeredBackends, RnnkitError, unregisterBackend, type Backend, type BackendDefinition } from '../src/index.js';

/** A stand-in backend: the registry only calls create() and passes the result through. */
const fake = (name: string) => ({ name }) as unknown as Backend;
const def = (name: string, priority: number, fails?: string): BackendDefinition => ({
  name,
  priority,
  create: async () => {
    if (fails) throw new RnnkitError('BACKEND_UNAVAILABLE', fails);
    return fake(name);
  },
});

describe('backend registry', () => {
  const names = ['gpu-x', 'cpu-x', 'broken-x'];
  afterEach(() => names.forEach(unregisterBackend));

  it('orders by priority and starts the best one when no name is given', async () => {
    registerBackend(def('cpu-x', 100));
    registerBackend(def('gpu-x', 200));
    expect(registeredBackends().filter((n) => names.includes(n))).toEqual(['gpu-x', 'cpu-x']);
    expect((await createBackend()).name).toBe('gpu-x');
  });

  it('falls back only when asked, and reports every reason when all fail', async () => {
    registerBackend(def('broken-x', 300, 'no adapter here'));
    registerBackend(def('cpu-x', 100));
    expect((await createBackend('broken-x', { fallback: ['cpu-x'] })).name).toBe('cpu-x');
    const e = await createBackend('broken-x').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RnnkitError);
    expect((e as RnnkitError).code).toBe('BACKEND_UNAVAILABLE');
    expect((e as Error).message).toBe('createBackend: no backend could start — broken-x: no adapter here');
    const both = await createBackend('broken-x', { fallback: ['missing-x'] }).catch((x: unknown) => x);
    expect((both as Error).message).toMatch(/broken-x: no adapter here; missing-x: not registered/);
  });

  it('refuses a duplicate name', () => {
    registerBackend(def('cpu-x', 100));
    expect(() => registerBackend(def('cpu-x', 5))).toThrow(/already registered/);
  });
});
