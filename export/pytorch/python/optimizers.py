"""The update rules netc trains with, as torch optimizers (netc: runtime/train/optimizer.ts).

With lr_p = lr x lr_mult and wd_p = weight_decay x decay_mult of each parameter:

    sgd (the paper):  v <- m v - lr_p (wd_p w + g);   w <- w + v
    momentum:         a <- m a + (g + wd_p w);        w <- w - lr_p a   (nesterov: w <- w - lr_p (g' + m a))
    adam:             g' = g + wd_p w; bias-corrected moments; w <- w - lr_p m^ / (sqrt(v^) + eps)

The paper's rule is not torch.optim.SGD's: there the learning rate multiplies the whole velocity
(v <- m v + g; w <- w - lr v), so changing lr rescales the steps already taken; here lr only
scales new steps. Per-parameter multipliers (Caffe's lr_mult / decay_mult) are param-group
options. State names match netc's checkpoint slots: velocity, accumulator, m, v.
"""
import math

import torch


class _NetcOptimizer(torch.optim.Optimizer):
    """Shared bookkeeping: param groups carry lr_mult and decay_mult; `steps` counts updates."""

    slots = ()

    def __init__(self, params, defaults):
        defaults = dict(defaults, lr_mult=1.0, decay_mult=1.0)
        super().__init__(params, defaults)
        self.steps = 0

    def slot(self, p, name):
        state = self.state[p]
        if name not in state:
            state[name] = torch.zeros_like(p, memory_format=torch.preserve_format)
        return state[name]

    @torch.no_grad()
    def step(self, closure=None):
        self.steps += 1
        for group in self.param_groups:
            lr = group["lr"] * group["lr_mult"]
            wd = group["weight_decay"] * group["decay_mult"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad if wd == 0 else p.grad.add(p, alpha=wd)
                self.update(p, g, lr, group)

    def update(self, p, g, lr, group):
        raise NotImplementedError


class PaperSGD(_NetcOptimizer):
    """Krizhevsky et al. (2012), section 5: v <- m v - lr (wd w + g); w <- w + v."""

    slots = ("velocity",)

    def __init__(self, params, lr, momentum=0.9, weight_decay=0.0005):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    def update(self, p, g, lr, group):
        v = self.slot(p, "velocity")
        v.mul_(group["momentum"]).add_(g, alpha=-lr)
        p.add_(v)


class Momentum(_NetcOptimizer):
    """Heavy-ball momentum with L2 decay in the gradient: a <- m a + g; w <- w - lr a (or Nesterov)."""

    slots = ("accumulator",)

    def __init__(self, params, lr, momentum=0.9, weight_decay=0.0, nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov))

    def update(self, p, g, lr, group):
        a = self.slot(p, "accumulator")
        a.mul_(group["momentum"]).add_(g)
        direction = g.add(a, alpha=group["momentum"]) if group["nesterov"] else a
        p.add_(direction, alpha=-lr)


class Adam(_NetcOptimizer):
    """Adam with L2 decay added to the gradient (not AdamW's decoupled decay), as netc."""

    slots = ("m", "v")

    def __init__(self, params, lr, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, epsilon=epsilon, weight_decay=weight_decay))

    def update(self, p, g, lr, group):
        b1, b2 = group["beta1"], group["beta2"]
        m, v = self.slot(p, "m"), self.slot(p, "v")
        m.mul_(b1).add_(g, alpha=1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        m_hat = m / (1 - math.pow(b1, self.steps))
        v_hat = v / (1 - math.pow(b2, self.steps))
        p.sub_(lr * m_hat / (v_hat.sqrt() + group["epsilon"]))


def make_optimizer(named_parameters, spec, multipliers):
    """The optimizer the plan names, one param group per (lr_mult, decay_mult) pair.

    named_parameters: (state_dict key, tensor) pairs; spec: the plan's optimizer section;
    multipliers: state_dict key -> (lr_mult, decay_mult).
    """
    groups = {}
    for name, p in named_parameters:
        lr_mult, decay_mult = multipliers[name]
        groups.setdefault((lr_mult, decay_mult), []).append(p)
    param_groups = [dict(params=ps, lr_mult=lm, decay_mult=dm) for (lm, dm), ps in groups.items()]
    kind = spec["type"]
    if kind == "sgd":
        return PaperSGD(param_groups, lr=spec["lr"], momentum=spec["momentum"], weight_decay=spec["weight_decay"])
    if kind == "momentum":
        return Momentum(param_groups, lr=spec["lr"], momentum=spec["momentum"], weight_decay=spec["weight_decay"], nesterov=spec["nesterov"])
    if kind == "adam":
        return Adam(param_groups, lr=spec["lr"], beta1=spec["beta1"], beta2=spec["beta2"], epsilon=spec["epsilon"], weight_decay=spec["weight_decay"])
    raise ValueError(f"unknown optimizer {kind!r}")


def set_learning_rate(optimizer, lr):
    """The schedule's rate for the next step (multipliers are applied inside step())."""
    for group in optimizer.param_groups:
        group["lr"] = lr
