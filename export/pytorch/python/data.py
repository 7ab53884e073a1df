"""The plan's data pipeline (netc: runtime/data, docs/data.md): datasets, the one-off
preprocessing, the held-out validation split, mean and PCA statistics, and per-batch
augmentation (pad + random crop, horizontal flip, the AlexNet paper's PCA colour noise),
centre-crop or ten-crop evaluation.

Every random choice is addressed by position: epoch e's order comes from a generator seeded
with (seed, e), batch b's augmentation from (seed, e, b), drawn for the whole global batch.
So a run resumes exactly at (epoch, batch), and N processes that each take their slice of a
global batch see exactly the images, crops and flips that one process would.
"""
import gzip
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

SYSTEM_DATA_DIR = "/usr/share/datasets"
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


class DataError(Exception):
    pass


def _seed(*parts):
    """A 63-bit generator seed from integers (seed, stream, epoch, batch...)."""
    h = 0x9E3779B97F4A7C15
    for p in parts:
        h = ((h ^ (p & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 31
    return h & 0x7FFFFFFFFFFFFFFF


def generator(*parts):
    return torch.Generator().manual_seed(_seed(*parts))


SHUFFLE, AUGMENT, HOLDOUT, SYNTHETIC = 1, 2, 3, 4

# The pipeline of a plan without a data section, for --synthetic runs: bytes scaled to [0, 1].
SYNTHETIC_ONLY = dict(dataset=dict(kind="synthetic", path=None, classes=None), validation="test", train_limit=None,
                      preprocess=dict(resize=None, resize_shorter=None, center_crop=None, scale=1 / 255, mean="none", std=None),
                      augment=dict(random_crop=None, pad=0, flip=False, pca_colour=0), test_crops="center")


# ---------------------------------------------------------------------------------------------
# Datasets: images as uint8 N x H x W x C (as stored), labels as int64.


class MemoryImages:
    """A labelled image set held in memory."""

    def __init__(self, images, labels, classes, source, class_names=None):
        self.images, self.labels, self.classes, self.source = images, labels, classes, source
        self.class_names = class_names

    def __len__(self):
        return self.images.shape[0]

    @property
    def image_shape(self):
        return tuple(self.images.shape[1:])

    def subset(self, indices):
        return MemoryImages(self.images[indices], self.labels[indices], self.classes, self.source, self.class_names)

    def batches(self, index_batches, workers=0):
        for idx in index_batches:
            idx = torch.as_tensor(idx)
            yield self.images[idx], self.labels[idx]


class FolderImages(torch.utils.data.Dataset):
    """<root>/<split>/<class>/*.jpg, decoded and preprocessed (Pillow) on the fly by DataLoader workers."""

    def __init__(self, files, labels, classes, source, channels, preprocess, class_names):
        self.files, self.labels, self.classes, self.source = files, torch.as_tensor(labels, dtype=torch.int64), classes, source
        self.channels, self.preprocess, self.class_names = channels, preprocess, class_names
        self.image_shape = tuple(self[0][0].shape)

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        from PIL import Image, ImageOps  # only image folders need Pillow

        try:
            with Image.open(self.files[i]) as im:
                x = preprocess_image(ImageOps.exif_transpose(im).convert("RGB"), self.channels, self.preprocess)
        except OSError as e:
            raise DataError(f"{self.files[i]}: cannot be decoded ({e})") from None
        if hasattr(self, "image_shape") and tuple(x.shape) != self.image_shape:
            raise DataError(f"{self.files[i]} is {x.shape[1]}x{x.shape[0]}, the first image is {self.image_shape[1]}x{self.image_shape[0]}: "
                            "all images must have one size (add resize / center_crop to the spec's preprocess)")
        return x, self.labels[i]

    def subset(self, indices):
        out = FolderImages.__new__(FolderImages)
        out.__dict__.update(self.__dict__)
        out.files = [self.files[int(i)] for i in indices]
        out.labels = self.labels[torch.as_tensor(indices)]
        return out

    def batches(self, index_batches, workers=0):
        loader = torch.utils.data.DataLoader(self, batch_sampler=[list(map(int, b)) for b in index_batches], num_workers=workers,
                                             persistent_workers=False, prefetch_factor=4 if workers > 0 else None)
        yield from loader


def _places(kind, data_dir, plan_path, subdirs, system_sub):
    """Folders to look in, most specific first; only --data's when it is given."""
    if data_dir:
        return [data_dir] + [os.path.join(data_dir, s) for s in subdirs]
    out = []
    for d in [plan_path, "data", os.environ.get("NETC_DATA")]:
        if d:
            out += [d] + [os.path.join(d, s) for s in subdirs]
    if system_sub:
        out.append(os.path.join(SYSTEM_DATA_DIR, system_sub))
    return out


def _read_maybe_gz(dir_, base):
    for name in (base, base + ".gz"):
        path = os.path.join(dir_, name)
        if os.path.isfile(path):
            with (gzip.open if name.endswith(".gz") else open)(path, "rb") as f:
                return f.read(), path
    return None, None


def _parse_idx(data, path, rank):
    magic = struct.unpack(">I", data[:4])[0]
    if magic >> 8 != 0x08 or (magic & 0xFF) != rank:
        raise DataError(f"{path}: not an IDX file of unsigned bytes with {rank} dimension(s) (magic {magic:#010x})")
    dims = struct.unpack(">" + "I" * rank, data[4 : 4 + 4 * rank])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank)
    if body.size != int(np.prod(dims)):
        raise DataError(f"{path}: holds {body.size} bytes of data, its header promises {int(np.prod(dims))} (truncated?)")
    return body.reshape(dims)


def load_idx(split, data_dir, plan_path, fashion):
    prefix = "train" if split == "train" else "t10k"
    looked = []
    for d in _places("idx", data_dir, plan_path, ["fashion-mnist"] if fashion else [], "fashion-mnist" if fashion else None):
        images, ipath = _read_maybe_gz(d, f"{prefix}-images-idx3-ubyte")
        labels, lpath = _read_maybe_gz(d, f"{prefix}-labels-idx1-ubyte")
        if images is None or labels is None:
            looked.append(d)
            continue
        x = _parse_idx(images, ipath, 3)
        y = _parse_idx(labels, lpath, 1)
        if x.shape[0] != y.shape[0]:
            raise DataError(f"{lpath}: {y.shape[0]} labels for {x.shape[0]} images")
        classes = 10 if fashion else int(y.max()) + 1
        return MemoryImages(torch.from_numpy(x.copy())[..., None], torch.from_numpy(y.astype(np.int64)), classes, ipath)
    raise DataError(f"{'Fashion-MNIST' if fashion else 'IDX'} {split} split not found (looked in: {', '.join(looked) or 'nowhere'}); "
                    "pass --data DIR with the IDX files (Debian: apt-get install dataset-fashion-mnist)")


def load_cifar10(split, data_dir, plan_path):
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    looked = []
    for d in _places("cifar10", data_dir, plan_path, ["cifar-10-batches-bin"], None):
        if not all(os.path.isfile(os.path.join(d, n)) for n in names):
            looked.append(d)
            continue
        raw = np.concatenate([np.fromfile(os.path.join(d, n), dtype=np.uint8) for n in names])
        if raw.size % 3073:
            raise DataError(f"{d}: CIFAR-10 files are not whole 3073-byte records")
        rec = raw.reshape(-1, 3073)
        images = rec[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # planes -> HWC
        return MemoryImages(torch.from_numpy(images.copy()), torch.from_numpy(rec[:, 0].astype(np.int64)), 10, os.path.join(d, names[0]), CIFAR10_CLASSES)
    raise DataError(f"CIFAR-10 {split} split not found (looked in: {', '.join(looked) or 'nowhere'}); "
                    "pass --data DIR holding cifar-10-batches-bin (the binary version)")


def load_image_folder(split, data_dir, plan_path, channels, preprocess):
    root = data_dir or plan_path or os.environ.get("NETC_DATA") or "data"
    train_dir = os.path.join(root, "train")
    names = ["train"] if split == "train" else ["test", "val", "validation"]
    split_dir = next((os.path.join(root, n) for n in names if os.path.isdir(os.path.join(root, n))), None)
    if split_dir is None:
        raise DataError(f"{os.path.join(root, names[0])}: folder not found (image folders are laid out as <folder>/train/<class>/*.jpg, with val/ or test/ beside train/)")
    class_names = sorted(n for n in os.listdir(train_dir if os.path.isdir(train_dir) else split_dir) if not n.startswith(".") and os.path.isdir(os.path.join(train_dir, n)))
    files, labels = [], []
    for label, c in enumerate(class_names):
        d = os.path.join(split_dir, c)
        if os.path.isdir(d):
            for n in sorted(os.listdir(d)):
                if n.lower().endswith(IMAGE_EXTENSIONS):
                    files.append(os.path.join(d, n))
                    labels.append(label)
    if not files:
        raise DataError(f"{split_dir}: no .png/.jpg/.jpeg images in its class folders")
    return FolderImages(files, labels, len(class_names), split_dir, channels, preprocess, class_names)


def synthetic(split, count, image_shape, classes, seed):
    """Random images and labels of the size the pipeline expects: a stand-in for speed checks."""
    g = generator(seed, SYNTHETIC, 0 if split == "train" else 1)
    images = torch.randint(0, 256, (count, *image_shape), generator=g, dtype=torch.uint8)
    labels = torch.randint(0, classes, (count,), generator=g)
    return MemoryImages(images, labels, classes, f"synthetic ({count} {split} images)")


def stored_shape(data, input_shape):
    """H x W x C of images after the one-off preprocessing (synthetic data is made at this size)."""
    p = data["preprocess"]
    h, w, c = input_shape
    if p["center_crop"]:
        return (p["center_crop"][0], p["center_crop"][1], c)
    if p["resize"] and p["resize"][1]:  # an exact size ([n, 0] means the shorter side: the size varies)
        return (p["resize"][0], p["resize"][1], c)
    return (h, w, c)


# ---------------------------------------------------------------------------------------------
# One-off preprocessing, as netc does it (docs/data.md) and torchvision would: Pillow's bilinear
# resize (the shorter side to n, the longer truncated, or an exact size), then the centre crop.


def resized_size(h, w, p):
    exact = p["resize"] if p["resize"] and p["resize"][1] else None
    shorter = p["resize_shorter"] or (p["resize"][0] if p["resize"] and not p["resize"][1] else None)
    if exact:
        return exact[0], exact[1]
    if not shorter:
        return h, w
    if h == w:
        return shorter, shorter
    return (shorter, (shorter * w) // h) if h < w else ((shorter * h) // w, shorter)


def preprocess_image(im, channels, p):
    """A PIL image (RGB) -> uint8 H x W x C tensor: grey if the model takes 1 channel, resized, centre-cropped."""
    from PIL import Image

    if channels == 1:
        im = im.convert("L")
    h, w = resized_size(im.height, im.width, p)
    if (h, w) != (im.height, im.width):
        im = im.resize((w, h), Image.BILINEAR)
    if p["center_crop"]:
        ch, cw = p["center_crop"]
        if ch > h or cw > w:
            raise DataError(f"cannot centre-crop {ch}x{cw} out of a {h}x{w} image: enlarge the resize")
        top, left = (h - ch) // 2, (w - cw) // 2
        im = im.crop((left, top, left + cw, top + ch))
    x = torch.from_numpy(np.asarray(im, dtype=np.uint8).copy())
    return x.reshape(x.shape[0], x.shape[1], channels)


def preprocess_images(x, p):
    """The same for a uint8 N x H x W x C tensor held in memory (IDX, CIFAR); nothing to do without resize or crop."""
    if not (p["resize"] or p["resize_shorter"] or p["center_crop"]):
        return x
    from PIL import Image

    c = x.shape[-1]
    mode = "L" if c == 1 else "RGB"
    return torch.stack([preprocess_image(Image.fromarray(img.squeeze(-1).numpy() if c == 1 else img.numpy(), mode), c, p) for img in x])


# ---------------------------------------------------------------------------------------------
# Statistics: mean (per pixel or per channel) and the RGB PCA basis, in netc's data-stats.json form.


def compute_mean(ds, kind, scale, workers=0):
    total, n = None, 0
    for x, _ in ds.batches([list(range(i, min(i + 256, len(ds)))) for i in range(0, len(ds), 256)], workers):
        x = x.to(torch.float64)
        s = x.sum(0) if kind == "pixel" else x.reshape(-1, x.shape[-1]).sum(0)
        total = s if total is None else total + s
        n += x.shape[0] if kind == "pixel" else x.shape[0] * x.shape[1] * x.shape[2]
    mean = total / n * scale
    return dict(kind=kind, shape=list(mean.shape), values=mean.flatten().tolist(), scale=scale)


def compute_pca(ds, scale, max_images=10_000, workers=0):
    use = min(len(ds), max_images)
    picks = [(j * len(ds)) // use for j in range(use)]
    s1, s2, n = torch.zeros(3, dtype=torch.float64), torch.zeros(3, 3, dtype=torch.float64), 0
    for x, _ in ds.batches([picks[i : i + 256] for i in range(0, use, 256)], workers):
        p = x.reshape(-1, 3).to(torch.float64)
        s1 += p.sum(0)
        s2 += p.t() @ p
        n += p.shape[0]
    m = s1 / n
    cov = (s2 / n - torch.outer(m, m)) * scale * scale
    values, vectors = np.linalg.eigh(cov.numpy())
    order = np.argsort(values)[::-1]
    return dict(scale=scale, pixels=n, mean=(m * scale).tolist(), covariance=cov.tolist(),
                eigenvalues=[max(0.0, float(values[i])) for i in order], eigenvectors=[vectors[:, i].tolist() for i in order])


# ---------------------------------------------------------------------------------------------
# Per-batch augmentation on float N x C x H x W tensors.


class Pipeline:
    """Turns stored uint8 images into network inputs: scale, mean, pad + crop, flip, PCA colour, std."""

    def __init__(self, data, input_shape, stored, mean=None, pca=None):
        self.h, self.w, _ = input_shape
        self.scale = data["preprocess"]["scale"]
        self.std = data["preprocess"]["std"]
        a = data["augment"]
        self.pad, self.flip, self.pca_std = a["pad"], a["flip"], a["pca_colour"]
        self.stored = stored
        self.mean = None
        if mean is not None:
            values = torch.tensor(mean["values"], dtype=torch.float32)
            self.mean = values.reshape(mean["shape"]).permute(2, 0, 1) if mean["kind"] == "pixel" else values.reshape(-1, 1, 1)
        self.pca = pca

    # Batches are augmented where they are: on the GPU when the trainer moved the bytes there first.
    def _prepare(self, images):
        x = images.permute(0, 3, 1, 2).float() * self.scale
        if self.mean is not None:
            x = x - self.mean.to(x.device)
        return x

    def _finish(self, x):
        if self.std is not None:
            x = x / torch.tensor(self.std, dtype=x.dtype, device=x.device).reshape(-1, 1, 1)
        return x.contiguous()

    def train_draws(self, seed, epoch, index, n):
        """Crop offsets, flips and colour noise for a whole global batch of n images."""
        g = generator(seed, AUGMENT, epoch, index)
        H, W = self.stored[0] + 2 * self.pad, self.stored[1] + 2 * self.pad
        oy = torch.randint(0, H - self.h + 1, (n,), generator=g)
        ox = torch.randint(0, W - self.w + 1, (n,), generator=g)
        flip = torch.rand(n, generator=g) < 0.5 if self.flip else torch.zeros(n, dtype=torch.bool)
        noise = torch.randn(n, 3, generator=g, dtype=torch.float64) * self.pca_std if self.pca and self.pca_std > 0 else None
        return dict(oy=oy, ox=ox, flip=flip, noise=noise)

    def train_batch(self, images, draws):
        x = self._prepare(images)
        if self.pad:
            x = F.pad(x, (self.pad, self.pad, self.pad, self.pad))
        x = _crop(x, draws["oy"].to(x.device), draws["ox"].to(x.device), self.h, self.w)
        x = torch.where(draws["flip"].to(x.device).reshape(-1, 1, 1, 1), x.flip(3), x)
        if draws["noise"] is not None:
            vectors = torch.tensor(self.pca["eigenvectors"], dtype=torch.float64)  # row i: eigenvector i
            # netc's l_i are the eigenvalues of [0, 1] RGB values (docs/data.md): the basis is in batch
            # units, l_batch = l_unit * (255 * scale)^2, and the offset is l_unit * (255 * scale).
            values = torch.tensor(self.pca["eigenvalues"], dtype=torch.float64) / (255 * self.pca["scale"])
            offset = (draws["noise"] * values) @ vectors  # sum_i alpha_i lambda_i p_i, per image
            x = x + offset.float().to(x.device).reshape(-1, 3, 1, 1)
        return self._finish(x)

    def eval_batch(self, images):
        x = self._prepare(images)
        H, W = x.shape[2], x.shape[3]
        if (H, W) != (self.h, self.w):
            top, left = (H - self.h) // 2, (W - self.w) // 2
            x = x[:, :, top : top + self.h, left : left + self.w]
        return self._finish(x)

    def ten_crops(self, images):
        """The paper's test: four corners and the centre, and their mirror images."""
        x = self._prepare(images)
        H, W, h, w = x.shape[2], x.shape[3], self.h, self.w
        at = [(0, 0), (0, W - w), (H - h, 0), (H - h, W - w), ((H - h) // 2, (W - w) // 2)]
        crops = [x[:, :, y : y + h, xx : xx + w] for y, xx in at]
        return [self._finish(c) for c in crops + [c.flip(3) for c in crops]]


def _crop(x, oy, ox, h, w):
    """Per-image h x w windows at offsets (oy, ox), gathered in one indexing op."""
    n, c, dev = x.shape[0], x.shape[1], x.device
    rows = (oy.reshape(n, 1) + torch.arange(h, device=dev)).reshape(n, 1, h, 1)
    cols = (ox.reshape(n, 1) + torch.arange(w, device=dev)).reshape(n, 1, 1, w)
    return x[torch.arange(n, device=dev).reshape(n, 1, 1, 1), torch.arange(c, device=dev).reshape(1, c, 1, 1), rows, cols]


# ---------------------------------------------------------------------------------------------
# Putting it together.


def held_out(count, fraction, seed):
    """Indices of the training and validation parts: round(count * fraction) held out by a seeded permutation."""
    n_val = int(math.floor(count * fraction + 0.5))
    if not 0 < n_val < count:
        raise DataError(f"cannot hold out a validation fraction of {fraction} from {count} samples")
    perm = torch.randperm(count, generator=generator(seed, HOLDOUT))
    return perm[n_val:].sort().values, perm[:n_val].sort().values


def epoch_order(count, seed, epoch):
    return torch.randperm(count, generator=generator(seed, SHUFFLE, epoch))


def batch_indices(order, batch):
    return [order[i : i + batch] for i in range(0, len(order), batch)]


def shard(n, rank, world):
    """Rows [lo, hi) of a global batch of n that process `rank` of `world` trains on."""
    return (rank * n) // world, ((rank + 1) * n) // world


def load_data(plan_data, input_shape, classes, *, data_dir=None, synthetic_count=0, seed=0, train_limit=None, test_limit=None, workers=0,
              stats_path=None, reuse_stats=False, write_stats=False):
    """Datasets, validation split and the batch pipeline, as netc's prepareData does.

    stats_path: data-stats.json of the run (mean and PCA basis, netc's form); reuse_stats: take them
    from there when present (a resumed run, or a process other than rank 0); write_stats: write them.
    """
    if plan_data is None and not synthetic_count:
        raise DataError("the plan has no data section: add `data:` to the spec, or train on --synthetic images")
    d = plan_data or SYNTHETIC_ONLY
    kind = d["dataset"]["kind"]
    stored = stored_shape(d, input_shape)
    if synthetic_count:
        train = synthetic("train", synthetic_count, stored, classes or 10, seed)
        test = synthetic("test", max(1, synthetic_count // 4), stored, classes or 10, seed)
    elif kind in ("fashion-mnist", "idx"):
        train, test = (load_idx(s, data_dir, d["dataset"]["path"], kind == "fashion-mnist") for s in ("train", "test"))
    elif kind == "cifar10":
        train, test = (load_cifar10(s, data_dir, d["dataset"]["path"]) for s in ("train", "test"))
    elif kind == "image-folder":
        train, test = (load_image_folder(s, data_dir, d["dataset"]["path"], input_shape[2], d["preprocess"]) for s in ("train", "test"))
    else:
        raise DataError(f"dataset kind {kind!r} is not supported by this trainer")
    if isinstance(train, MemoryImages) and not synthetic_count:
        train = MemoryImages(preprocess_images(train.images, d["preprocess"]), train.labels, train.classes, train.source, train.class_names)
        test = MemoryImages(preprocess_images(test.images, d["preprocess"]), test.labels, test.classes, test.source, test.class_names)
    limit = train_limit or d.get("train_limit")
    if limit and limit < len(train):
        train = train.subset(torch.arange(limit))
    if test_limit and test_limit < len(test):
        test = test.subset(torch.arange(test_limit))
    if classes is not None and train.classes > classes:
        raise DataError(f"{train.source}: the data has {train.classes} classes but the model outputs {classes}")
    _check_fits(train, input_shape, d)

    if d["validation"] == "test":
        validation = test
    else:
        tr, va = held_out(len(train), d["validation"], seed)
        train, validation = train.subset(tr), train.subset(va)

    stats = _load_stats(stats_path) if reuse_stats else {}
    m = d["preprocess"]["mean"]
    scale = d["preprocess"]["scale"]
    mean = None
    if m in ("per-pixel", "per-channel"):
        kind_ = "pixel" if m == "per-pixel" else "channel"
        mean = stats.get("mean") if _usable(stats.get("mean"), kind_, scale) else compute_mean(train, kind_, scale, workers)
    elif isinstance(m, list):
        mean = dict(kind="channel", shape=[len(m)], values=m, scale=scale)
    pca = None
    if d["augment"]["pca_colour"] > 0:
        pca = stats.get("pca") if stats.get("pca") and stats["pca"].get("scale") == scale else compute_pca(train, scale, workers=workers)
    new_stats = {k: v for k, v in dict(mean=mean, pca=pca).items() if v is not None}
    if stats_path and write_stats and new_stats != stats:
        tmp = f"{stats_path}.tmp-{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(new_stats, f, indent=2)
        os.replace(tmp, stats_path)
    pipeline = Pipeline(d, input_shape, train.image_shape, mean, pca)
    ten_crop = d["test_crops"] == "ten" and tuple(test.image_shape[:2]) != tuple(input_shape[:2])
    return dict(train=train, validation=validation, test=test, pipeline=pipeline, ten_crop=ten_crop, source=train.source)


def _check_fits(ds, input_shape, d):
    h, w, c = input_shape
    H, W, C = ds.image_shape
    pad = d["augment"]["pad"]
    if C != c:
        raise DataError(f"{ds.source}: images have {C} channel(s), the model input has {c}")
    if H + 2 * pad < h or W + 2 * pad < w:
        raise DataError(f"{ds.source}: images are {H}x{W} (padded by {pad}) but the model input is {h}x{w}: add a resize to the preprocess")


def _load_stats(path):
    if path and os.path.isfile(path):
        with open(path) as f:
            return json.load(f)
    return {}


def _usable(mean, kind, scale):
    return bool(mean) and mean.get("kind") == kind and mean.get("scale") == scale
