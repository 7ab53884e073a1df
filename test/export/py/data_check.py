"""The generated package's data pipeline on given images (test/export): IDX loading, mean and PCA
statistics, centre-crop and ten-crop evaluation batches; written for comparison with netc's.

usage: data_check.py PACKAGE IDX_DIR INPUTS.ckpt OUT.ckpt   (INPUTS: rgb, N x 32 x 32 x 3 byte values)
"""
import sys

import numpy as np
import torch

package, idx_dir, inputs_path, out_path = sys.argv[1:5]
sys.path.insert(0, package)
import data as datalib  # noqa: E402
from checkpoints import read_checkpoint, write_checkpoint  # noqa: E402

SCALE = 1 / 255
out = []
fm = datalib.load_idx("train", idx_dir, None, True)
out += [("idx/images", fm.images[:8].numpy()), ("idx/labels", fm.labels[:8].numpy()), ("idx/count", np.array([len(fm)]))]
out.append(("idx/mean_channel", np.array(datalib.compute_mean(fm, "channel", SCALE)["values"])))

_, inputs = read_checkpoint(inputs_path)
rgb = datalib.MemoryImages(torch.from_numpy(inputs["rgb"].astype(np.uint8)), torch.zeros(len(inputs["rgb"]), dtype=torch.int64), 10, "rgb")
pixel_mean = datalib.compute_mean(rgb, "pixel", SCALE)
pca = datalib.compute_pca(rgb, SCALE)
out += [("rgb/mean_pixel", np.array(pixel_mean["values"])), ("rgb/eigenvalues", np.array(pca["eigenvalues"])), ("rgb/eigenvectors", np.array(pca["eigenvectors"]))]

plan_data = dict(datalib.SYNTHETIC_ONLY, preprocess=dict(datalib.SYNTHETIC_ONLY["preprocess"], scale=SCALE, std=[0.5, 0.25, 0.2]))
channel_mean = datalib.compute_mean(rgb, "channel", SCALE)
centre = datalib.Pipeline(plan_data, (28, 28, 3), (32, 32, 3), channel_mean).eval_batch(rgb.images[:4])
out.append(("rgb/centre", centre.numpy()))
no_std = dict(plan_data, preprocess=dict(plan_data["preprocess"], std=None))
crops = datalib.Pipeline(no_std, (28, 28, 3), (32, 32, 3), pixel_mean).ten_crops(rgb.images[:4])
out += [(f"rgb/crop{i}", c.numpy()) for i, c in enumerate(crops)]
write_checkpoint(out_path, dict(model="data-check", specHash=""), [(k, np.asarray(v, dtype=np.float32)) for k, v in out])
