"""netc's checkpoint format, read and written here so weights move both ways: a netc
checkpoint loads into the module, and this trainer's checkpoint loads into `netc eval`,
`netc export` and `netc train --resume`.

File layout (netc: runtime/train/checkpoint.ts):
    b"NETCCKPT" | u32 version (1) | u32 header bytes | header JSON | spaces to a multiple of 4 | float32 payload
The header lists each tensor (name, shape, offset, length in floats) and a SHA-256 of the
payload. Tensors are stored in netc's layouts (conv weights HWIO, dense weights IO); the
`PARAMETERS` table of model.py names each parameter's netc name and layout.
"""
import hashlib
import json
import os
import struct
from datetime import datetime, timezone

import numpy as np
import torch

MAGIC = b"NETCCKPT"
VERSION = 1


class CheckpointError(Exception):
    pass


def netc_to_torch(values, layout):
    """A netc-layout array as the torch tensor of the same parameter."""
    t = torch.from_numpy(np.array(values, dtype=np.float32))  # a copy: checkpoint arrays are read-only views
    if layout == "HWIO":  # conv weight -> out x in/groups x kh x kw
        return t.permute(3, 2, 0, 1).contiguous()
    if layout == "IO":  # dense weight -> out x in (nn.Linear)
        return t.t().contiguous()
    return t


def torch_to_netc(tensor, layout):
    t = tensor.detach().to("cpu", torch.float32)
    if layout == "HWIO":
        t = t.permute(2, 3, 1, 0)
    elif layout == "IO":
        t = t.t()
    return t.contiguous().numpy()


def write_checkpoint(path, header, tensors):
    """tensors: (name, float32 numpy array) pairs. Written atomically: temp file, fsync, rename."""
    entries, chunks, offset = [], [], 0
    for name, a in tensors:
        a = np.ascontiguousarray(a, dtype="<f4")
        entries.append(dict(name=name, shape=list(a.shape), offset=offset, length=int(a.size)))
        chunks.append(a.tobytes())
        offset += int(a.size)
    payload = b"".join(chunks)
    full = dict(header, tensors=entries, payloadSha256=hashlib.sha256(payload).hexdigest())
    full.setdefault("savedAt", datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"))
    head = json.dumps(full, allow_nan=False).encode("utf-8")
    padding = b" " * ((4 - (16 + len(head)) % 4) % 4)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(MAGIC + struct.pack("<II", VERSION, len(head)) + head + padding)
        f.write(payload)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_checkpoint(path):
    """(header dict, {name: float32 numpy array}); refuses damaged or foreign files by name."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read checkpoint ({e.strerror})") from None
    if len(data) < 16 or data[:8] != MAGIC:
        raise CheckpointError(f"{path}: not a netc checkpoint (no NETCCKPT signature)")
    version, head_len = struct.unpack("<II", data[8:16])
    if version != VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {version}, this trainer reads {VERSION}")
    header = json.loads(data[16 : 16 + head_len].decode("utf-8"))
    start = 16 + head_len + (4 - (16 + head_len) % 4) % 4
    payload = data[start:]
    total = sum(t["length"] for t in header["tensors"])
    if len(payload) != total * 4:
        raise CheckpointError(f"{path}: expected {start + total * 4} bytes, found {len(data)} (truncated or padded)")
    if hashlib.sha256(payload).hexdigest() != header["payloadSha256"]:
        raise CheckpointError(f"{path}: the weights do not match their checksum (the file is damaged)")
    flat = np.frombuffer(payload, dtype="<f4")
    tensors = {t["name"]: flat[t["offset"] : t["offset"] + t["length"]].reshape(t["shape"]) for t in header["tensors"]}
    return header, tensors


def load_weights(model, tensors, parameters):
    """Copies netc-named tensors into the module; every parameter of the plan must be there."""
    state = model.state_dict()
    missing = [netc for netc, _layout in (v[:2] for v in parameters.values()) if netc not in tensors]
    if missing:
        raise CheckpointError(f"the checkpoint lacks {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    with torch.no_grad():
        for key, (netc, layout, *_rest) in parameters.items():
            value = netc_to_torch(tensors[netc], layout)
            if tuple(value.shape) != tuple(state[key].shape):
                raise CheckpointError(f"`{netc}` has shape {list(tensors[netc].shape)}, the model needs {list(state[key].shape)} ({key})")
            state[key].copy_(value)


def model_tensors(model, parameters):
    """The module's parameters and buffers as (netc name, netc-layout array) pairs."""
    state = model.state_dict()
    return [(netc, torch_to_netc(state[key], layout)) for key, (netc, layout, *_rest) in parameters.items()]


def optimizer_tensors(model, optimizer, parameters):
    """The optimizer's slots as netc names them (`conv1.weight.velocity`, ...)."""
    by_key = dict(model.named_parameters())
    out = []
    for key, (netc, layout, *_rest) in parameters.items():
        p = by_key.get(key)
        if p is None:  # a buffer (batch-norm statistics): no optimizer state
            continue
        for slot in optimizer.slots:
            value = optimizer.state[p].get(slot) if p in optimizer.state else None
            out.append((f"{netc}.{slot}", torch_to_netc(value if value is not None else torch.zeros_like(p), layout)))
    return out


def load_optimizer(model, optimizer, tensors, parameters):
    by_key = dict(model.named_parameters())
    for key, (netc, layout, *_rest) in parameters.items():
        p = by_key.get(key)
        if p is None:
            continue
        for slot in optimizer.slots:
            name = f"{netc}.{slot}"
            if name in tensors:
                optimizer.state[p][slot] = netc_to_torch(tensors[name], layout).to(p.device).clone()
