import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_SPEC_VERSION } from '../src/backend/index.js';
import { type Backend, type BackendDefinition, createBackend, RnnkitError, registerBackend, registeredBackends, unregisterBackend } from '../src/index.js';

/** A stand-in backend: the registry calls create(), checks the interface version and passes it through. */
const fake = (name: string) => ({ name, specificationVersion: BACKEND_SPEC_VERSION }) as unknown as Backend;
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

describe('backend registry: definitions and interface versions', () => {
  afterEach(() => ['cpu-x', 'old-x'].forEach(unregisterBackend));

  it('registering the same definition twice is a no-op', () => {
    const d = def('cpu-x', 100);
    registerBackend(d);
    registerBackend(d);
    expect(registeredBackends().filter((n) => n === 'cpu-x')).toEqual(['cpu-x']);
  });

  it('refuses a backend whose specificationVersion it does not speak, naming both versions', async () => {
    let destroyed = 0;
    registerBackend({
      name: 'old-x',
      priority: 1,
      create: async () => ({ name: 'old-x', specificationVersion: 'v1', destroy: () => destroyed++ }) as unknown as Backend,
    });
    const e = (await createBackend('old-x').catch((x: unknown) => x)) as RnnkitError;
    expect(e.code).toBe('BACKEND_UNAVAILABLE');
    expect(e.message).toBe(
      `createBackend: no backend could start — old-x: old-x: the backend speaks interface "v1", this @rnnkit/core speaks "${BACKEND_SPEC_VERSION}"; install versions of the backend and core that match`,
    );
    expect(destroyed).toBe(1); // the started backend was released
  });
});
