"""Conv2d: the convolutional layer."""

from __future__ import annotations

import math
from typing import Any

import tinygrad_edu.functional as F
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module
from tinygrad_edu.ops.conv import as_pair
from tinygrad_edu.tensor import DEFAULT_FLOAT, Tensor, zeros


class Conv2d(Module):
    """y = W ⋆ x + b over images x of shape (N, in_channels, H, W) (see F.conv2d).

    W has shape (out_channels, in_channels / groups, kh, kw) and b (out_channels,),
    PyTorch's layouts and state-dict keys, so weights move both ways unchanged.
    Both start as PyTorch's do: W by kaiming_uniform_ with a = √5, b uniform in
    ±1/√fan_in, where fan_in = in_channels / groups · kh · kw.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True,
                 dtype: Any = DEFAULT_FLOAT):
        super().__init__()
        if in_channels < 1 or out_channels < 1 or groups < 1:
            raise ValueError(f"Conv2d: in_channels, out_channels and groups must be positive, "
                             f"got {in_channels}, {out_channels} and {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = as_pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = as_pair("Conv2d", "stride", stride, 1)
        self.padding = as_pair("Conv2d", "padding", padding, 0)
        self.dilation = as_pair("Conv2d", "dilation", dilation, 1)
        self.groups = groups
        self.weight = zeros(out_channels, in_channels // groups, *self.kernel_size, dtype=dtype,
                            requires_grad=True)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = None
        if bias:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            self.bias = zeros(out_channels, dtype=dtype, requires_grad=True)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"Conv2d({self.in_channels}→{self.out_channels}): expected input "
                             f"of shape (N, {self.in_channels}, H, W), got {x.shape}")
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

    @property
    def label(self) -> str:
        """The short name a graph drawing gives the layer: "Conv2d(1→6, 5×5)"."""
        kh, kw = self.kernel_size
        return f"{type(self).__name__}({self.in_channels}→{self.out_channels}, {kh}×{kw})"

    def extra_repr(self) -> str:
        kh, kw = self.kernel_size
        parts = [f"{self.in_channels}→{self.out_channels}", f"{kh}×{kw}"]
        defaults = {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1)}
        parts += [f"{name}={_compact(getattr(self, name))}" for name, default in defaults.items()
                  if getattr(self, name) != default]
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.bias is None:
            parts.append("bias=False")
        return ", ".join(parts)


def _compact(pair: tuple[int, int]) -> int | tuple[int, int]:
    return pair[0] if pair[0] == pair[1] else pair
