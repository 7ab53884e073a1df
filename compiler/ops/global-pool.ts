/** Global pooling (`globalavgpool`, `globalmaxpool`): HxWxC -> C, the mean (maximum) of each channel. */
import { planFragments } from '../schema/fragments.js';
import type { GlobalPoolOp } from '../../plan/types.js';
import type { KindModule, LayerBase, OpView } from './kind.js';
import { product } from './shared.js';

export interface GlobalPoolLayer extends LayerBase {
  type: 'globalavgpool' | 'globalmaxpool';
}

const view: OpView<GlobalPoolOp> = { attrs: planFragments.none, typeName: (op) => op.op };

export const globalPool: KindModule<GlobalPoolLayer> = {
  layer: {
    types: {
      globalavgpool: { description: 'HxWxC -> C: the mean of each channel', properties: {} },
      globalmaxpool: { description: 'HxWxC -> C: the maximum of each channel', properties: {} },
    },
    normalize: (type) => ({ type: type as GlobalPoolLayer['type'] }),
    infer(layer, [v], ctx) {
      if (!ctx.needSpatial(v!)) return null;
      const out = [v!.shape[2]!];
      // Per channel: a tower's channels stay on the tower.
      return { state: v!.state, ops: [{ name: layer.name, layer: layer.name, op: layer.type, outputShape: out, towers: ctx.towersOf('local', v!.state), cost: ctx.cost(0, 0, product(v!.shape), out), attrs: {} }] };
    },
  },
  ops: { globalavgpool: view, globalmaxpool: view },
};
