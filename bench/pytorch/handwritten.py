#!/usr/bin/env python3
"""Training speed of networks written by hand in PyTorch, torchvision style, as the yardstick for
the trainer netc generates (bench/engines.ts, bench/gpu-check.sh).

    handwritten.py --model fmnist|alexnet [--batch 128] [--steps 20] [--rounds 3] [--device cpu|cuda]
    handwritten.py --model alexnet --generated build/alexnet-pytorch   # and the generated module, in turn

Prints a JSON line per net: {"model", "which", "device", "batch", "steps", "images_per_sec"}.
The loop: random inputs made once on the device, cross-entropy, backward, SGD with momentum and
weight decay (torch.optim.SGD for the hand-written nets, the generated package's own optimizer
with --generated). The first steps warm up (cuDNN autotuning, allocator) and are not timed.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class TowerLRN(nn.Module):
    """LRN within each GPU's half of the channels, as the paper's two towers (alpha not divided by size)."""

    def __init__(self, towers=2, size=5, alpha=1e-4, beta=0.75, k=2.0):
        super().__init__()
        self.towers = towers
        self.lrn = nn.LocalResponseNorm(size, alpha=alpha * size, beta=beta, k=k)

    def forward(self, x):
        return torch.cat([self.lrn(t) for t in x.chunk(self.towers, dim=1)], dim=1)


class PaperAlexNet(nn.Module):
    """Krizhevsky et al. 2012 on one device: the two GPUs' halves as grouped convolutions (specs/alexnet.yaml)."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=11, stride=4), nn.ReLU(inplace=True), TowerLRN(), nn.MaxPool2d(3, 2),
            nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2), nn.ReLU(inplace=True), TowerLRN(), nn.MaxPool2d(3, 2),
            nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=2), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class FmnistAlexNet(nn.Module):
    """examples/fashion-mnist/fmnist-alexnet.yaml: a small two-tower AlexNet for 28x28 images."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 24, kernel_size=5, padding=2), nn.ReLU(inplace=True), TowerLRN(), nn.MaxPool2d(3, 2, ceil_mode=True),
            nn.Conv2d(24, 48, kernel_size=5, padding=2, groups=2), nn.ReLU(inplace=True), TowerLRN(), nn.MaxPool2d(3, 2, ceil_mode=True),
            nn.Conv2d(48, 64, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(64, 64, kernel_size=3, padding=1, groups=2), nn.ReLU(inplace=True),
            nn.Conv2d(64, 48, kernel_size=3, padding=1, groups=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(48 * 3 * 3, 192), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(192, 192), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(192, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


MODELS = {"alexnet": (PaperAlexNet, (3, 227, 227), 1000), "fmnist": (FmnistAlexNet, (1, 28, 28), 10)}


def load_generated(path, device):
    """The generated package's Model (with the plan's initializers) and its optimizer."""
    sys.path.insert(0, os.path.abspath(path))
    import config
    from model import PARAMETERS, Model, init_parameters
    from optimizers import make_optimizer

    model = Model().to(device)
    init_parameters(model)
    return model, make_optimizer(model.named_parameters(), config.TRAIN["optimizer"], {k: (v[2], v[3]) for k, v in PARAMETERS.items()})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=MODELS, required=True)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=20, help="timed steps per round")
    p.add_argument("--rounds", type=int, default=1, help="rounds (interleaved with --generated); each net keeps its best")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--generated", help="also time this generated package's Model and optimizer, in turn with the hand-written net")
    args = p.parse_args()
    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = True
    make, shape, classes = MODELS[args.model]
    hand = make(classes).to(device)
    nets = {"hand-written": (hand, torch.optim.SGD(hand.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4))}
    if args.generated:
        nets["generated module"] = load_generated(args.generated, device)
    x = torch.randn(args.batch, *shape, device=device)
    y = torch.randint(0, classes, (args.batch,), device=device)

    def step(model, optimizer):
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for model, optimizer in nets.values():
        model.train()
        for _ in range(args.warmup):
            step(model, optimizer)
    best = {name: 0.0 for name in nets}
    for _ in range(args.rounds):
        for name, (model, optimizer) in nets.items():
            sync()
            t0 = time.perf_counter()
            for _ in range(args.steps):
                step(model, optimizer)
            sync()
            best[name] = max(best[name], args.batch * args.steps / (time.perf_counter() - t0))
    for name, rate in best.items():
        print(json.dumps(dict(model=args.model, which=name, device=str(device), batch=args.batch, steps=args.steps, rounds=args.rounds, images_per_sec=rate, torch=torch.__version__)))


if __name__ == "__main__":
    main()
