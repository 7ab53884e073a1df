"""The hand-written graph plan of test/export/graph-plan.ts computed two ways (test/export):
in NumPy, written from the plan v2 contract alone (float64, NHWC), and by the generated PyTorch
module, in inference mode and in training mode (batch-norm batch statistics and the update of
its running statistics).

usage: graph_reference.py PACKAGE INPUTS.ckpt OUT.ckpt   (INPUTS holds x, N x H x W x C)
"""
import os
import sys

import numpy as np

package, inputs_path, out_path = sys.argv[1:4]
sys.path.insert(0, package)
from checkpoints import read_checkpoint, write_checkpoint  # noqa: E402

_, inputs = read_checkpoint(inputs_path)
_, w = read_checkpoint(os.path.join(package, "weights.ckpt"))
x = inputs["x"].astype(np.float64)
W = {k: v.astype(np.float64) for k, v in w.items()}
TOWERS, MOMENTUM, EPS = 2, 0.1, 1e-5


def conv_same(x, weight, bias, groups):
    """Stride 1, 'same' zero padding; group g reads input slice g and writes output slice g."""
    n, h, wd, _ = x.shape
    kh, kw, per_group, filters = weight.shape
    pad = kh // 2
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out = np.zeros((n, h, wd, filters))
    og = filters // groups
    for g in range(groups):
        xs, ws = xp[..., g * per_group : (g + 1) * per_group], weight[..., g * og : (g + 1) * og]
        for i in range(kh):
            for j in range(kw):
                out[..., g * og : (g + 1) * og] += np.einsum("nhwc,co->nhwo", xs[:, i : i + h, j : j + wd, :], ws[i, j])
    return out + bias


def forward(training):
    a = conv_same(x, W["conv_a.weight"], W["conv_a.bias"], 1)
    if training:
        mean, var = a.mean(axis=(0, 1, 2)), a.var(axis=(0, 1, 2))
        count = a.shape[0] * a.shape[1] * a.shape[2]
        running = ((1 - MOMENTUM) * W["bn.running_mean"] + MOMENTUM * mean, (1 - MOMENTUM) * W["bn.running_var"] + MOMENTUM * var * count / (count - 1))
    else:
        mean, var, running = W["bn.running_mean"], W["bn.running_var"], None
    bn = np.maximum(0, (a - mean) / np.sqrt(var + EPS) * W["bn.scale"] + W["bn.shift"])
    b = conv_same(bn, W["conv_b.weight"], W["conv_b.bias"], TOWERS)
    total = np.maximum(0, bn + b)
    per = total.shape[-1] // TOWERS
    # Tower-major: tower t's output is (sum part t, bn part t).
    cat = np.concatenate([part for t in range(TOWERS) for part in (total[..., t * per : (t + 1) * per], bn[..., t * per : (t + 1) * per])], axis=-1)
    both = np.concatenate([cat.mean(axis=(1, 2)), cat.max(axis=(1, 2))], axis=-1)
    return both @ W["fc.weight"] + W["fc.bias"], running


results = []
ref_eval, _ = forward(False)
ref_train, (ref_mean, ref_var) = forward(True)
results += [("ref/eval", ref_eval), ("ref/train", ref_train), ("ref/running_mean", ref_mean), ("ref/running_var", ref_var)]

try:
    import torch
except ImportError:
    torch = None
if torch is not None:
    from checkpoints import load_weights
    from model import PARAMETERS, Model

    model = Model()
    load_weights(model, w, PARAMETERS)
    xt = torch.from_numpy(inputs["x"].copy()).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        results.append(("torch/eval", model.eval()(xt).numpy()))
        results.append(("torch/train", model.train()(xt).numpy()))
    results += [("torch/running_mean", model.bn.running_mean.numpy()), ("torch/running_var", model.bn.running_var.numpy())]

write_checkpoint(out_path, dict(model="graph-reference", specHash=""), [(k, v.astype(np.float32)) for k, v in results])
