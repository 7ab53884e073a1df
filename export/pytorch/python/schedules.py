"""Learning-rate schedules, as netc defines them (runtime/train/schedule.ts).

The paper's rule is `plateau`: divide the rate by 10 when the validation error stops improving.
Epoch-based schedules are evaluated at fractional epochs (2.5 = half-way through the third), so
a warmup ramps per step. The state is a plain dict with netc's key names, stored in checkpoints.
"""
import math


class Schedule:
    def __init__(self, spec, initial_lr, total_epochs, state=None):
        self.spec, self.initial_lr, self.total_epochs = spec, initial_lr, total_epochs
        self.state = dict(state) if state else dict(lr=initial_lr, reductions=0, best=None, badEpochs=0, cooldownLeft=0)

    def lr_at(self, epoch):
        """The rate at a (fractional) point in training."""
        s = self.spec
        kind = s["type"]
        if kind == "step":
            lr = self.initial_lr * math.pow(s["factor"], math.floor(epoch / s["every"]))
        elif kind == "multistep":
            lr = self.initial_lr * math.pow(s["factor"], sum(1 for m in s["milestones"] if epoch >= m))
        elif kind == "cosine":
            t = min(1.0, epoch / self.total_epochs)
            lr = s["min_lr"] + 0.5 * (self.initial_lr - s["min_lr"]) * (1 + math.cos(math.pi * t))
        else:  # constant, plateau
            lr = self.state["lr"]
        warmup = s.get("warmup")
        if warmup and epoch < warmup["epochs"]:
            lr *= warmup["from"] + (1 - warmup["from"]) * (epoch / warmup["epochs"])
        return lr

    def on_epoch_end(self, metric):
        """After each epoch's validation; returns True when the rate was reduced (plateau only)."""
        s, st = self.spec, self.state
        if s["type"] != "plateau" or metric is None or not math.isfinite(metric):
            return False
        if st["best"] is None or metric < st["best"] - s["min_delta"]:
            st["best"] = metric
            st["badEpochs"] = 0
            return False
        if st["cooldownLeft"] > 0:
            st["cooldownLeft"] -= 1
            return False
        st["badEpochs"] += 1
        if st["badEpochs"] <= s["patience"]:
            return False
        if s["max_reductions"] is not None and st["reductions"] >= s["max_reductions"]:
            return False
        new_lr = max(st["lr"] * s["factor"], s["min_lr"])
        if new_lr >= st["lr"]:
            return False
        st["lr"] = new_lr
        st["reductions"] += 1
        st["badEpochs"] = 0
        st["cooldownLeft"] = s["cooldown"]
        return True


def watched_metric(name, val, train_sums):
    """The number a plateau schedule watches (lower is better)."""
    if name == "val_loss":
        return val["loss"] if val else None
    if name == "val_top1_error":
        return val["top1_error"] if val else None
    if name == "val_top5_error":
        return val["top5_error"] if val else None
    if name == "val_accuracy":
        return -(1 - val["top1_error"]) if val else None
    if name == "train_loss":
        return train_sums["loss"] / max(1, train_sums["count"])
    if name == "train_top1_error":
        return train_sums["top1"] / max(1, train_sums["count"])
    return None


# The watched metric, as netc's runtime/train/watched-metric.ts: best.ckpt keeps the epoch where it was
# lowest, early stopping ends the run when it stops improving. Both read only the run's history, so a
# resumed run picks them up from its checkpoint.
RECORD_KEYS = ("val_loss", "val_top1_error", "val_top5_error", "train_loss", "train_top1_error")


def watched_name(train_cfg):
    """Early stopping's metric, else the plateau schedule's, else the validation top-1 error."""
    if train_cfg.get("early_stopping"):
        return train_cfg["early_stopping"]["metric"]
    return train_cfg["schedule"]["metric"] if train_cfg["schedule"]["type"] == "plateau" else "val_top1_error"


def record_metric(name, m):
    """The value of `name` in an epoch's metrics (lower is better), or None."""
    if name == "val_accuracy":
        v = None if m.get("val_top1_error") is None else -(1 - m["val_top1_error"])
    else:
        v = m.get(name) if name in RECORD_KEYS else None
    return v if v is not None and math.isfinite(v) else None


def is_best(name, earlier, value):
    """Whether `value` beats every earlier epoch's (strictly: a tie keeps the earlier best.ckpt)."""
    if value is None:
        return False
    return all(v is None or value < v for v in (record_metric(name, m) for m in earlier))


def early_stop(rule, history):
    """(best epoch, best value, epochs without improvement) when the history calls for a stop, else None."""
    best, best_epoch, without = None, -1, 0
    for epoch, m in enumerate(history):
        v = record_metric(rule["metric"], m)
        if v is not None and (best is None or v < best - rule["min_delta"]):
            best, best_epoch, without = v, epoch, 0
        else:
            without += 1
    return (best_epoch, best, without) if best is not None and without >= rule["patience"] else None
