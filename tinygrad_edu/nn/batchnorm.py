"""Batch normalisation: each channel normalised over the batch (and over the length or
the pixels). BatchNorm1d and BatchNorm2d differ only in the inputs they accept."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import DEFAULT_FLOAT, Tensor, ones, zeros


class _BatchNorm(Module):
    """y = (x - μ) / √(σ² + eps) · γ + β, per feature (axis 1 of the input).

    In training, μ and σ² are the mean and the biased variance of the batch
    (over every axis but 1), and the running statistics move towards the
    batch's:

        running_mean ← (1 - momentum) · running_mean + momentum · μ
        running_var  ← (1 - momentum) · running_var  + momentum · σ² · n/(n-1)

    (the unbiased variance, n values per feature), as PyTorch does. With
    `momentum=None` they are the plain average of all batches seen so far.
    In eval, μ and σ² are the running statistics, so a sample's output no
    longer depends on the rest of its batch. γ (`weight`, ones) and β (`bias`,
    zeros) are learned when `affine=True`. The statistics are buffers:
    `running_mean`, `running_var` and `num_batches_tracked` are in the state dict.
    Subclasses say which numbers of dimensions they accept (`input_dims`).
    """

    input_dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, dtype: Any = DEFAULT_FLOAT):
        super().__init__()
        if num_features < 1:
            raise ValueError(f"{self._name}: num_features must be positive, got {num_features}")
        if eps <= 0:
            raise ValueError(f"{self._name}: eps must be positive, got {eps}")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"{self._name}: momentum must be in [0, 1] or None, got {momentum}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        if affine:
            self.weight = ones(num_features, dtype=dtype, requires_grad=True)
            self.bias = zeros(num_features, dtype=dtype, requires_grad=True)
        self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", ones(num_features, dtype=dtype))
        self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.input_dims or x.shape[1] != self.num_features:
            raise ValueError(f"{self._name}: expected input of shape "
                             f"{self._expected_shapes()}, got {x.shape}")
        # Statistics are per feature; shaped (1, C, 1, ...) they broadcast against x.
        axes = (0, *range(2, x.ndim))
        shape = (1, self.num_features) + (1,) * (x.ndim - 2)
        if self.training:
            count = x.size // self.num_features
            if count < 2:
                raise ValueError(f"{self._name}: training needs more than one value per "
                                 f"feature, got input of shape {x.shape}")
            mean = x.mean(axes, keepdims=True)
            var = x.var(axes, keepdims=True)
            self._update_running_stats(mean.data.reshape(-1),
                                       var.data.reshape(-1) * count / (count - 1))
        else:
            mean = self.running_mean.reshape(shape)
            var = self.running_var.reshape(shape)
        y = (x - mean) / (var + self.eps).sqrt()
        if self.affine:
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        return y

    def _update_running_stats(self, mean: np.ndarray, unbiased_var: np.ndarray) -> None:
        """Exponential moving average, written into the buffers' arrays in place."""
        self.num_batches_tracked += 1
        count = int(self.num_batches_tracked.data)
        factor = 1.0 / count if self.momentum is None else self.momentum
        self.running_mean.copy_((1 - factor) * self.running_mean.data + factor * mean)
        self.running_var.copy_((1 - factor) * self.running_var.data + factor * unbiased_var)

    @property
    def _name(self) -> str:
        return type(self).__name__

    def _expected_shapes(self) -> str:
        rest = {2: "", 3: ", L", 4: ", H, W"}
        return " or ".join(f"(N, {self.num_features}{rest[d]})" for d in self.input_dims)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of features, (N, C), or of sequences, (N, C, L): each of the C
    features normalised over N (and L). See _BatchNorm for the formulas."""

    input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images (N, C, H, W): each channel normalised over N, H and
    W, PyTorch's layer for convolutional networks. See _BatchNorm for the formulas."""

    input_dims = (4,)
