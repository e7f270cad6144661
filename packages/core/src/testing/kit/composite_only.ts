import type { Backend } from '../../backend/backend.js';
import { compositeAdamUpdate, compositeSgdUpdate } from '../../backend/composite/optimizer_updates.js';
import { compositeRecurrentBackward } from '../../backend/composite/recurrent_backward.js';
import { compositeRecurrentForward } from '../../backend/composite/recurrent_forward.js';
import { compositeSquaredErrorGrad } from '../../backend/composite/squared_error_grad.js';

/**
 * The same backend with every fused op replaced by core's composite version, run on the
 * backend's own primitives: what a fused kernel is checked against.
 */
export function compositeOnly(be: Backend): Backend {
  const proxy: Backend = new Proxy(be, {
    get(target, prop, receiver) {
      switch (prop) {
        case 'recurrentForward':
          return (args: Parameters<Backend['recurrentForward']>[0]) => compositeRecurrentForward(proxy, args);
        case 'recurrentBackward':
          return (args: Parameters<Backend['recurrentBackward']>[0]) => compositeRecurrentBackward(proxy, args);
        case 'squaredErrorGrad':
          return (o: Parameters<Backend['squaredErrorGrad']>[0], t: Parameters<Backend['squaredErrorGrad']>[1], s: number) =>
            compositeSquaredErrorGrad(proxy, o, t, s);
        case 'sgdUpdate':
          return (args: Parameters<Backend['sgdUpdate']>[0]) => compositeSgdUpdate(proxy, args);
        case 'adamUpdate':
          return (args: Parameters<Backend['adamUpdate']>[0]) => compositeAdamUpdate(proxy, args);
        case 'recurrentBatchFirst':
          return false;
        default: {
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        }
      }
    },
  });
  return proxy;
}
