#!/usr/bin/env bash
# The generated PyTorch trainer for specs/alexnet.yaml on a GPU, against the same network written by
# hand (bench/pytorch/handwritten.py, torchvision style), batch 128, synthetic data. Needs only
# Python with torch (>= 1.13, CUDA): no Node, no netc, no dataset. Make the package first, where netc is:
#
#   netc export specs/alexnet.yaml --to pytorch -o build/alexnet-pytorch
#
# then copy build/alexnet-pytorch/ and bench/pytorch/handwritten.py (about 150 KB together) to the GPU
# machine and run there:
#
#   bash bench/gpu-check.sh [PACKAGE_DIR] [HANDWRITTEN_PY]
#
# It prints three JSON lines (images/s): the generated trainer end to end (train.py --synthetic: its
# input pipeline, augmentation on the GPU, the paper's update rule), then the hand-written network
# (torch.optim.SGD) and the generated module and optimizer, taking turns in the same loop.
set -euo pipefail
PKG=${1:-build/alexnet-pytorch}
HAND=${2:-bench/pytorch/handwritten.py}
PY=${PYTHON:-python3}
STEPS=${STEPS:-50}
DEVICE=${DEVICE:-cuda}   # DEVICE=cpu STEPS=2 tries the script where there is no GPU
RUN=$(mktemp -d)
trap 'rm -rf "$RUN"' EXIT
"$PY" -c 'import json, torch; print(json.dumps({"torch": torch.__version__, "cuda": torch.version.cuda, "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}))'
# 128 x (STEPS + 3) images of 256x256x3 bytes (the spec's stored size): about 1.3 GB of host memory at 50 steps.
"$PY" "$PKG/train.py" --synthetic $((128 * (STEPS + 3) * 10 / 9)) --steps $((STEPS + 2)) --device "$DEVICE" --events --run-dir "$RUN/run" --workers 0 \
  | grep '"event": "done"' | "$PY" -c 'import json, sys; e = json.loads(sys.stdin.read()); print(json.dumps({"which": "generated trainer", "images_per_sec": e["images_per_sec"], "steps": e["steps"]}))'
"$PY" "$HAND" --model alexnet --batch 128 --steps "$STEPS" --rounds 3 --device "$DEVICE" --generated "$PKG"
