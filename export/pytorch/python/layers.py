"""The few layers netc needs that torch.nn does not have in exactly netc's form.

Tensors are N x C x H x W (or N x features). Channels are kept in tower order: tower t of T
owns channel slice t, so the paper's two GPUs become grouped convolutions on one device and
these layers only need to know the tower count where a tower changes the arithmetic.
"""
import torch
import torch.nn.functional as F
from torch import nn


class TowerLRN(nn.Module):
    """Local response normalisation as the AlexNet paper (and netc) define it:

        b_c = a_c / (k + alpha * sum(a_j^2 for j within size // 2 channels of c)) ** beta

    alpha is NOT divided by the window (torch.nn.LocalResponseNorm and ONNX divide it, so we
    multiply it back), and the window never crosses a tower boundary: each tower normalises
    its own channels, as each GPU did.
    """

    def __init__(self, size, alpha, beta, k, towers=1):
        super().__init__()
        self.span = 2 * (size // 2) + 1  # size // 2 channels on each side (an even size spans size + 1)
        self.alpha, self.beta, self.k, self.towers = alpha, beta, k, towers

    def forward(self, x):
        if self.towers == 1:
            return F.local_response_norm(x, self.span, alpha=self.alpha * self.span, beta=self.beta, k=self.k)
        # Each tower's channels on their own, so no window reaches across a tower boundary.
        parts = [F.local_response_norm(t, self.span, alpha=self.alpha * self.span, beta=self.beta, k=self.k) for t in x.chunk(self.towers, dim=1)]
        return torch.cat(parts, dim=1)

    def extra_repr(self):
        return f"span={self.span}, alpha={self.alpha}, beta={self.beta}, k={self.k}, towers={self.towers}"


class FlattenHWC(nn.Module):
    """Flattens N x C x H x W in netc's order, so dense weights need no reordering.

    towers=1: row-major over (H, W, C). towers=T ("tower-major"): each tower's H x W x C/T block
    flattened in turn, the towers' vectors concatenated.
    """

    def __init__(self, towers=1):
        super().__init__()
        self.towers = towers

    def forward(self, x):
        if x.dim() == 2:
            return x
        n, c, h, w = x.shape
        t = self.towers
        return x.reshape(n, t, c // t, h, w).permute(0, 1, 3, 4, 2).reshape(n, -1)

    def extra_repr(self):
        return f"towers={self.towers}"


class GroupedLinear(nn.Module):
    """A dense layer split into groups (towers): group g maps input slice g to output slice g.

    weight is out_features x in_features/groups, like a grouped convolution's.
    """

    def __init__(self, in_features, out_features, groups, bias=True):
        super().__init__()
        self.in_features, self.out_features, self.groups = in_features, out_features, groups
        self.weight = nn.Parameter(torch.empty(out_features, in_features // groups))
        self.bias = nn.Parameter(torch.empty(out_features)) if bias else None

    def forward(self, x):
        g = self.groups
        xg = x.reshape(x.shape[0], g, self.in_features // g)
        wg = self.weight.reshape(g, self.out_features // g, self.in_features // g)
        y = torch.einsum("ngi,goi->ngo", xg, wg).reshape(x.shape[0], self.out_features)
        return y if self.bias is None else y + self.bias

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, groups={self.groups}, bias={self.bias is not None}"


class PaddedAvgPool2d(nn.Module):
    """Average pooling over explicit (left, right, top, bottom) zero padding, dividing each window
    by the number of real (unpadded) pixels in it, as netc does."""

    def __init__(self, kernel_size, stride, pad):
        super().__init__()
        self.kernel_size, self.stride, self.pad = kernel_size, stride, pad

    def forward(self, x):
        sums = F.avg_pool2d(F.pad(x, self.pad), self.kernel_size, self.stride, divisor_override=1)
        ones = F.pad(x.new_ones(1, 1, x.shape[2], x.shape[3]), self.pad)
        counts = F.avg_pool2d(ones, self.kernel_size, self.stride, divisor_override=1)
        return sums / counts

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, pad={self.pad}"


def cat_tower_major(values, towers):
    """Concatenates tower-split values along channels tower by tower: tower t's output is
    (input 0 part t, input 1 part t, ...), so the result stays in tower order."""
    n = values[0].shape[0]
    rest = values[0].shape[2:]
    parts = [v.reshape(n, towers, v.shape[1] // towers, *rest) for v in values]
    return torch.cat(parts, dim=2).reshape(n, -1, *rest)
