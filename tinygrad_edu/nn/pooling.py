"""Pooling layers: the maximum or the mean of each window of an image."""

from __future__ import annotations

import tinygrad_edu.functional as F
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


class _Pool2d(Module):
    """What both pooling layers hold: the window (stride defaults to the kernel size)."""

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """y = the maximum of each kernel_size window of x (N, C, H, W) (see F.max_pool2d)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """y = the mean of each kernel_size window of x (N, C, H, W), zero padding counted."""

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)
