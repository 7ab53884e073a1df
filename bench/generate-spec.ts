/** Generates long specs for the compiler benchmarks (and tests that check big inputs still work). */
export function generateYamlSpec(layers: number, name = 'deep'): string {
  const lines = ['netc: 1', `name: ${name}`, 'input: { shape: [32, 32, 16] }', 'towers: 2', 'layers:'];
  const body = Math.max(0, layers - 3);
  for (let i = 0; i < body; i++) {
    switch (i % 4) {
      case 0:
        lines.push(`  - { name: conv${i}, type: conv, filters: 16, kernel: 3, pad: 1, connect: ${i % 8 === 0 ? 'all' : 'tower'}, act: relu }`);
        break;
      case 1:
        lines.push(`  - { name: norm${i}, type: lrn, size: 5 }`);
        break;
      case 2:
        lines.push(`  - { name: pool${i}, type: maxpool, window: 3, stride: 1, pad: 1 }`);
        break;
      default:
        lines.push(`  - { name: drop${i}, type: dropout, p: 0.1 }`);
    }
  }
  lines.push('  - { name: flatten, type: flatten }', '  - { name: fc, type: dense, units: 10 }', '  - { name: prob, type: softmax }');
  return lines.join('\n') + '\n';
}

/**
 * A long graph: residual units (conv, batchnorm, conv, add with the unit's
 * input) and, every fourth unit, two branches joined by a concat then
 * reduced by a 1x1 conv; two towers, so merges meet split and replicated
 * values and exchanges are inserted. About `layers` layers.
 */
export function generateGraphSpec(layers: number, name = 'graph'): string {
  const lines = ['netc: 1', `name: ${name}`, 'input: { shape: [16, 16, 16] }', 'towers: 2', 'layers:'];
  let previous = 'input';
  let n = 0;
  for (let u = 0; n < layers - 3; u++) {
    if (u % 4 === 3) {
      lines.push(
        `  - { name: a${u}, type: conv, filters: 8, kernel: 1, input: ${previous}, act: relu }`,
        `  - { name: b${u}, type: conv, filters: 8, kernel: 3, pad: 1, input: ${previous}, connect: tower, act: relu }`,
        `  - { name: cat${u}, type: concat, inputs: [a${u}, b${u}, ${previous}] }`,
        `  - { name: mix${u}, type: conv, filters: 16, kernel: 1 }`,
      );
      previous = `mix${u}`;
      n += 4;
    } else {
      lines.push(
        `  - { name: c${u}, type: conv, filters: 16, kernel: 3, pad: 1, bias: false, connect: ${u % 2 ? 'tower' : 'all'} }`,
        `  - { name: bn${u}, type: batchnorm, act: relu }`,
        `  - { name: d${u}, type: conv, filters: 16, kernel: 3, pad: 1, bias: false, connect: tower }`,
        `  - { name: sum${u}, type: add, inputs: [d${u}, ${previous}], act: relu }`,
      );
      previous = `sum${u}`;
      n += 4;
    }
  }
  lines.push('  - { name: pool, type: globalavgpool }', '  - { name: fc, type: dense, units: 10 }', '  - { name: prob, type: softmax }');
  return lines.join('\n') + '\n';
}
