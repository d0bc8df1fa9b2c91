import type { GemmInfo } from '../backend.js';

/**
 * Reference batched GEMM. Plain loops ordered for cache locality (i-k-j on row-major data); the native
 * backend replaces this with a real BLAS.
 */
export function gemm(a: Float32Array, b: Float32Array, info: GemmInfo, c: Float32Array): void {
  const { batch, transA, transB, m, n, k, alpha, beta, strideA, strideB, strideC } = info;
  const row = new Float64Array(n);
  for (let p = 0; p < batch; p++) {
    const ao = p * strideA;
    const bo = p * strideB;
    const co = p * strideC;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let q = 0; q < k; q++) {
        // no shortcut for av === 0: 0 · Inf and 0 · NaN must still give NaN, as in BLAS
        const av = transA ? a[ao + q * m + i] : a[ao + i * k + q];
        if (transB) {
          for (let j = 0; j < n; j++) row[j] += av * b[bo + j * k + q];
        } else {
          const bRow = bo + q * n;
          for (let j = 0; j < n; j++) row[j] += av * b[bRow + j];
        }
      }
      const cRow = co + i * n;
      if (beta === 0) for (let j = 0; j < n; j++) c[cRow + j] = alpha * row[j];
      else for (let j = 0; j < n; j++) c[cRow + j] = alpha * row[j] + beta * c[cRow + j];
    }
  }
}
