import type { MatmulOptions } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { checkGemmGrid, encodeGemm } from './gemm_impl.js';

/** alpha · op(a) · op(b) + beta · c for rank-2 a, b, c; beta defaults to 1 when c is given. */
export function matmul(ctx: WebgpuContext, a: WebgpuTensor, b: WebgpuTensor, opts: MatmulOptions<WebgpuTensor>): WebgpuTensor {
  const tA = opts.transposeA ?? false;
  const tB = opts.transposeB ?? false;
  const [M, K] = tA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const N = tB ? b.shape[0] : b.shape[1];
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 1;
  const C = opts.c;
  if (K > 0) checkGemmGrid(ctx, 'matmul', M, N, 'b');
  const out = ctx.alloc([M, N]);
  const p = ctx.program();
  if (K === 0 && !(C && beta !== 0)) {
    p.clear(out.buf, M * N * ctx.floatBytes);
  } else {
    encodeGemm(
      p,
      {
        M,
        N,
        K,
        a: { buf: a.buf, ld: a.shape[1] },
        transA: tA,
        b: { buf: b.buf, ld: b.shape[1] },
        transB: tB,
        ...(C && beta !== 0 ? { c: { buf: C.buf, ld: N }, beta } : {}),
        alpha,
        out: { buf: out.buf, ld: N },
      },
      ctx.dummy,
    );
  }
  p.submit();
  return out;
}
