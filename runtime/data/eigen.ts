/**
 * Eigen-decomposition of a small symmetric matrix by the cyclic Jacobi method.
 * Used for the 3x3 RGB covariance of the PCA colour augmentation; written
 * here because it is a few lines and not worth a linear-algebra dependency.
 */

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: number[];
  /** vectors[i] is the unit eigenvector for values[i]; its largest-magnitude component is positive (so results are deterministic). */
  vectors: number[][];
}

export function symmetricEigen(a: readonly (readonly number[])[], tol = 1e-12, maxSweeps = 100): SymmetricEigen {
  const n = a.length;
  const m = a.map((row) => {
    if (row.length !== n) throw new Error('symmetricEigen: matrix is not square');
    return [...row];
  });
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++)
      if (Math.abs(m[i]![j]! - m[j]![i]!) > 1e-9 * (Math.abs(m[i]![j]!) + Math.abs(m[j]![i]!) + 1e-300)) throw new Error('symmetricEigen: matrix is not symmetric');
  // v accumulates the rotations; its columns end up as the eigenvectors.
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  const scale = Math.max(1e-300, ...m.flat().map(Math.abs));

  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (Math.sqrt(off) <= tol * scale) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]![q]!;
        if (apq === 0) continue;
        // Choose the rotation angle that zeroes m[p][q] (Numerical Recipes' stable form).
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // m <- m * J  (columns p, q)
          const mkp = m[k]![p]!, mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          // m <- J^T * m  (rows p, q)
          const mpk = m[p]![k]!, mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!, vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j]![j]! - m[i]![i]!);
  return {
    values: order.map((i) => m[i]![i]!),
    vectors: order.map((i) => {
      const vec = v.map((row) => row[i]!);
      const big = vec.reduce((b, x) => (Math.abs(x) > Math.abs(b) ? x : b), 0);
      return big < 0 ? vec.map((x) => -x) : vec;
    }),
  };
}
