"""The generated package's learning-rate schedules on a script of epochs (test/export).

usage: schedules_check.py PACKAGE CASES.json   -> prints JSON: per case, the rate at each queried
(fractional) epoch and, after each epoch's metric, whether the rate was reduced.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])
from schedules import Schedule  # noqa: E402

out = []
for case in json.load(open(sys.argv[2])):
    s = Schedule(case["spec"], case["lr"], case["epochs"])
    rates, reduced = [], []
    for epoch, metric in enumerate(case["metrics"]):
        rates += [s.lr_at(epoch + f) for f in (0, 0.25, 0.5, 0.75)]
        reduced.append(s.on_epoch_end(metric))
    out.append(dict(rates=rates, reduced=reduced, state=s.state))
print(json.dumps(out))
