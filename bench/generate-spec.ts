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
