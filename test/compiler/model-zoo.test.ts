/**
 * The shipped graph specs against numbers known independently of netc, written out here:
 * - torchvision's parameter counts (torchvision 0.14, Debian's python3-torchvision, counted once
 *   with `sum(p.numel() for p in torchvision.models.resnet18().parameters())`, likewise for
 *   resnet50 and vgg16): resnet18 11,689,512; resnet50 25,557,032; vgg16 138,357,544;
 * - GoogLeNet's 6,998,552 parameters and 1,582,671,872 mult-adds, computed by hand from the
 *   paper's Table 1 (convs k*k*cin*cout + cout, the 1024 -> 1000 classifier); torchvision's
 *   googlenet differs (6,624,904 without its auxiliary heads: see specs/googlenet.yaml);
 * - for each model the same counts recomputed below from its architecture (conv k*k*cin*cout
 *   (+ bias), batchnorm 2c, dense in*out + out), which also gives mult-adds and shapes.
 * Nothing here is taken from netc's output.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.js';
import { serializePlan } from '../../compiler/plan/build-plan.js';
import { checkPlanConsistency } from '../../plan/check.js';
import type { Plan } from '../../plan/types.js';

function compiled(path: string): Plan {
  const r = compileFile(path);
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  expect(checkPlanConsistency(r.plan!)).toEqual([]);
  return r.plan!;
}

/** A conv layer of the reference architecture: kernel, input and output channels, output size, bias. */
interface Conv {
  k: number;
  cin: number;
  cout: number;
  out: number;
  bias: boolean;
}
const convParams = (c: Conv) => c.k * c.k * c.cin * c.cout + (c.bias ? c.cout : 0);
const convMacs = (c: Conv) => c.out * c.out * c.cout * c.k * c.k * c.cin;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** ResNet as He et al. / torchvision: stem, stages of blocks, fc. Returns its convs, batchnorm channels and fc. */
function resnet(blocks: number[], bottleneck: boolean) {
  const convs: Conv[] = [{ k: 7, cin: 3, cout: 64, out: 112, bias: false }];
  const bn: number[] = [64];
  let cin = 64;
  let size = 56;
  [64, 128, 256, 512].forEach((width, stage) => {
    for (let b = 0; b < blocks[stage]!; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const out = size / stride;
      const cout = bottleneck ? 4 * width : width;
      if (bottleneck) {
        convs.push({ k: 1, cin, cout: width, out: size, bias: false }, { k: 3, cin: width, cout: width, out, bias: false }, { k: 1, cin: width, cout, out, bias: false });
        bn.push(width, width, cout);
      } else {
        convs.push({ k: 3, cin, cout: width, out, bias: false }, { k: 3, cin: width, cout: width, out, bias: false });
        bn.push(width, width);
      }
      if (stride !== 1 || cin !== cout) {
        convs.push({ k: 1, cin, cout, out, bias: false });
        bn.push(cout);
      }
      cin = cout;
      size = out;
    }
  });
  return { convs, bn, fc: { in: cin, out: 1000 } };
}

function totals(net: { convs: Conv[]; bn: number[]; fc: { in: number; out: number } }) {
  const fc = net.fc.in * net.fc.out + net.fc.out;
  return {
    params: sum(net.convs.map(convParams)) + 2 * sum(net.bn) + fc,
    buffers: 2 * sum(net.bn),
    macs: sum(net.convs.map(convMacs)) + net.fc.in * net.fc.out,
  };
}

const convShapes = (plan: Plan) => plan.ops.filter((o) => o.op === 'conv2d').map((o) => o.outputShape.join('x')).sort();
const refShapes = (convs: Conv[]) => convs.map((c) => `${c.out}x${c.out}x${c.cout}`).sort();

describe('specs/resnet18.yaml', () => {
  const plan = compiled('specs/resnet18.yaml');
  const ref = totals(resnet([2, 2, 2, 2], false));

  it("has torchvision's 11,689,512 parameters, and the count worked out from the architecture", () => {
    expect(ref.params).toBe(11_689_512);
    expect(plan.totals.params).toBe(11_689_512);
  });

  it('counts the running statistics as buffers, and the mult-adds of its convs and fc', () => {
    expect(plan.totals.buffers).toBe(ref.buffers); // 9,600: two per batchnorm channel
    expect(plan.totals.macs).toBe(ref.macs);
  });

  it('has the conv output shapes of the architecture (224 -> 112 -> 56 -> 28 -> 14 -> 7)', () => {
    expect(convShapes(plan)).toEqual(refShapes(resnet([2, 2, 2, 2], false).convs));
    expect(plan.ops.find((o) => o.name === 'pool')!.outputShape).toEqual([512]);
  });

  it('is the same plan, byte for byte, from specs/resnet18.netc', () => {
    expect(serializePlan(compiled('specs/resnet18.netc'))).toBe(serializePlan(plan));
  });

  it('names the layers of its blocks predictably', () => {
    const names = plan.ops.map((o) => o.name);
    expect(names).toContain('layer2.block1.downsample');
    expect(names).not.toContain('layer2.block2.downsample');
    expect(names).not.toContain('layer1.block1.downsample');
    expect(plan.params.map((p) => p.name)).toContain('layer3.block2.conv1.weight');
  });
});

describe('specs/resnet50.yaml', () => {
  const plan = compiled('specs/resnet50.yaml');
  const net = resnet([3, 4, 6, 3], true);
  const ref = totals(net);

  it("has torchvision's 25,557,032 parameters, and the count worked out from the architecture", () => {
    expect(ref.params).toBe(25_557_032);
    expect(plan.totals.params).toBe(25_557_032);
    expect(plan.totals.buffers).toBe(ref.buffers);
    expect(plan.totals.macs).toBe(ref.macs);
  });

  it('has the conv output shapes of the architecture, a projection on the first block of each stage', () => {
    expect(convShapes(plan)).toEqual(refShapes(net.convs));
    expect(plan.ops.filter((o) => o.name.endsWith('.downsample')).map((o) => o.name)).toEqual(['layer1.block1.downsample', 'layer2.block1.downsample', 'layer3.block1.downsample', 'layer4.block1.downsample']);
  });

  it('is a short spec: 16 blocks from four lines', () => {
    const text = readFileSync('specs/resnet50.yaml', 'utf8');
    expect(text.split('\n').filter((l) => /type: bottleneck/.test(l))).toHaveLength(4);
    expect(plan.ops.filter((o) => o.op === 'add')).toHaveLength(16);
  });
});

describe('specs/vgg16.yaml', () => {
  const plan = compiled('specs/vgg16.yaml');
  // Configuration D: 3x3 convs with bias, padding 1; 2x2 pooling after each stage.
  const stages: [number, number, number][] = [[2, 64, 224], [2, 128, 112], [3, 256, 56], [3, 512, 28], [3, 512, 14]];
  const convs: Conv[] = [];
  let cin = 3;
  for (const [n, c, out] of stages) for (let i = 0; i < n; i++, cin = c) convs.push({ k: 3, cin, cout: c, out, bias: true });
  const fcs = [[7 * 7 * 512, 4096], [4096, 4096], [4096, 1000]] as const;
  const params = sum(convs.map(convParams)) + sum(fcs.map(([i, o]) => i * o + o));

  it("has torchvision's 138,357,544 parameters, and the count worked out from configuration D", () => {
    expect(params).toBe(138_357_544);
    expect(plan.totals.params).toBe(138_357_544);
    expect(plan.totals.macs).toBe(sum(convs.map(convMacs)) + sum(fcs.map(([i, o]) => i * o)));
    expect(convShapes(plan)).toEqual(refShapes(convs));
  });
});

describe('specs/googlenet.yaml', () => {
  const plan = compiled('specs/googlenet.yaml');
  // The paper's Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj, and the output size.
  const modules: [string, number, number[]][] = [
    ['inception3a', 28, [64, 96, 128, 16, 32, 32]],
    ['inception3b', 28, [128, 128, 192, 32, 96, 64]],
    ['inception4a', 14, [192, 96, 208, 16, 48, 64]],
    ['inception4b', 14, [160, 112, 224, 24, 64, 64]],
    ['inception4c', 14, [128, 128, 256, 24, 64, 64]],
    ['inception4d', 14, [112, 144, 288, 32, 64, 64]],
    ['inception4e', 14, [256, 160, 320, 32, 128, 128]],
    ['inception5a', 7, [256, 160, 320, 32, 128, 128]],
    ['inception5b', 7, [384, 192, 384, 48, 128, 128]],
  ];
  const convs: Conv[] = [{ k: 7, cin: 3, cout: 64, out: 112, bias: true }, { k: 1, cin: 64, cout: 64, out: 56, bias: true }, { k: 3, cin: 64, cout: 192, out: 56, bias: true }];
  let cin = 192;
  for (const [, out, [n1, r3, n3, r5, n5, pp]] of modules) {
    convs.push(
      { k: 1, cin, cout: n1!, out, bias: true },
      { k: 1, cin, cout: r3!, out, bias: true }, { k: 3, cin: r3!, cout: n3!, out, bias: true },
      { k: 1, cin, cout: r5!, out, bias: true }, { k: 5, cin: r5!, cout: n5!, out, bias: true },
      { k: 1, cin, cout: pp!, out, bias: true },
    );
    cin = n1! + n3! + n5! + pp!;
  }

  it('has the parameters of the paper\'s Table 1 (convs with biases, 5x5 branches, the 1024 -> 1000 classifier)', () => {
    expect(cin).toBe(1024);
    expect(sum(convs.map(convParams)) + 1024 * 1000 + 1000).toBe(6_998_552); // by hand, as the header says
    expect(plan.totals.params).toBe(6_998_552);
    expect(plan.totals.macs).toBe(1_582_671_872);
    expect(plan.totals.params).toBe(sum(convs.map(convParams)) + 1024 * 1000 + 1000);
    expect(plan.totals.macs).toBe(sum(convs.map(convMacs)) + 1024 * 1000);
  });

  it("differs from torchvision's 6,624,904 only by batchnorm for biases and 3x3 for the 5x5 branch, as the spec's comment says", () => {
    // torchvision's googlenet counted the same way: each conv's bias becomes a batchnorm's scale and shift (2c), the 5x5 a 3x3.
    const torchvision = convs.map((c, i) => ({ ...c, k: i >= 3 && (i - 3) % 6 === 4 ? 3 : c.k, bias: false }));
    expect(sum(torchvision.map((c) => convParams(c) + 2 * c.cout)) + 1024 * 1000 + 1000).toBe(6_624_904);
  });

  it("has the output sizes of the paper's Table 1", () => {
    const shape = (name: string) => plan.ops.find((o) => o.name === name)!.outputShape.join('x');
    expect(['conv1', 'pool1', 'conv2', 'pool2', 'pool3', 'pool4', 'pool5'].map(shape)).toEqual(['112x112x64', '56x56x64', '56x56x192', '28x28x192', '14x14x480', '7x7x832', '1x1x1024']);
    expect(modules.map(([m]) => shape(`${m}.concat`))).toEqual(['28x28x256', '28x28x480', '14x14x512', '14x14x512', '14x14x512', '14x14x528', '14x14x832', '7x7x832', '7x7x1024']);
  });
});
