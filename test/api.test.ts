/** The package's public API: what another tool embedding netc gets. */
import { describe, expect, it } from 'vitest';
import * as netc from '../index.js';

describe('public API', () => {
  it('compiles, reports, renders and diffs without the CLI', () => {
    const { plan, diagnostics } = netc.compileFile('specs/alexnet.yaml');
    expect(netc.hasErrors(diagnostics)).toBe(false);
    expect(netc.buildReport(plan!).totals.params).toBe(60_965_224);
    const bad = netc.compileSource('x.yaml', 'netc: 1\nname: x\ninput: { shape: [4] }\nlayers:\n  - { type: dense, units: 0 }\n');
    expect(bad.plan).toBeUndefined();
    expect(netc.renderPlain(bad.diagnostics[0]!)).toMatch(/^x\.yaml:5:\d+: error NETC2006: /);
    const other = netc.compileFile('specs/alexnet-1tower.yaml').plan!;
    const diff = netc.diffModels({ plan: plan!, source: 'a' }, { plan: other, source: 'b' });
    expect(netc.renderDiffText(diff)).toContain('conv2');
    expect(netc.convertSpec('specs/alexnet.yaml', netc.toYaml(netc.compileFile('specs/alexnet.yaml').document!.value), 'netc').text).toContain('conv1');
  });
});
