"""Runs a generated PyTorch package on netc's initial weights and one batch (test/export).

usage: agree.py PACKAGE INPUTS.ckpt OUT.ckpt
INPUTS holds x (N x H x W x C), y, lrs (one per update) and, as JSON in its header, the optimizer
variants to try. OUT gets logits, loss, gradients and, per variant, the weights after the
updates, all in netc's layouts (so the test compares them name by name).
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

package, inputs_path, out_path = sys.argv[1:4]
sys.path.insert(0, package)
from checkpoints import load_weights, read_checkpoint, torch_to_netc, write_checkpoint  # noqa: E402
from model import PARAMETERS, Model  # noqa: E402
from optimizers import make_optimizer, set_learning_rate  # noqa: E402

header, inputs = read_checkpoint(inputs_path)
x = torch.from_numpy(np.array(inputs["x"])).permute(0, 3, 1, 2).contiguous()
y = torch.from_numpy(np.array(inputs["y"])).long()
weights = read_checkpoint(os.path.join(package, "weights.ckpt"))[1]
multipliers = {k: (v[2], v[3]) for k, v in PARAMETERS.items()}


def fresh_model():
    m = Model()
    load_weights(m, weights, PARAMETERS)
    return m.train()


def netc_grads(model):
    params = dict(model.named_parameters())
    return [(f"grad/{netc}", torch_to_netc(params[key].grad, layout)) for key, (netc, layout, *_r) in PARAMETERS.items() if key in params]


results = []
model = fresh_model()
logits = model(x)
loss = F.cross_entropy(logits, y)
loss.backward()
results += [("logits", logits.detach().numpy()), ("loss", np.array([loss.item()], dtype=np.float32))] + netc_grads(model)

for i, spec in enumerate(header["variants"]):
    model = fresh_model()
    optimizer = make_optimizer(model.named_parameters(), spec, multipliers)
    for lr in inputs["lrs"].tolist():
        set_learning_rate(optimizer, lr)
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    state = model.state_dict()
    results += [(f"after/{i}/{netc}", torch_to_netc(state[key], layout)) for key, (netc, layout, *_r) in PARAMETERS.items()]

write_checkpoint(out_path, dict(model="agree", specHash=""), results)
