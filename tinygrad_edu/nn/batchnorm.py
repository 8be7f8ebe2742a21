"""BatchNorm1d: normalise each feature over the batch."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import DEFAULT_FLOAT, Tensor, ones, zeros


class BatchNorm1d(Module):
    """y = (x - μ) / √(σ² + eps) · γ + β, per feature (axis 1 of an (N, C) or (N, C, L) input).

    In training, μ and σ² are the mean and the biased variance of the batch
    (over N, and L when present), and the running statistics move towards the
    batch's:

        running_mean ← (1 - momentum) · running_mean + momentum · μ
        running_var  ← (1 - momentum) · running_var  + momentum · σ² · n/(n-1)

    (the unbiased variance, n values per feature), as PyTorch does. With
    `momentum=None` they are the plain average of all batches seen so far.
    In eval, μ and σ² are the running statistics, so a sample's output no
    longer depends on the rest of its batch. γ (`weight`, ones) and β (`bias`,
    zeros) are learned when `affine=True`. The statistics are buffers:
    `running_mean`, `running_var` and `num_batches_tracked` are in the state dict.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, dtype: Any = DEFAULT_FLOAT):
        super().__init__()
        if num_features < 1:
            raise ValueError(f"BatchNorm1d: num_features must be positive, got {num_features}")
        if eps <= 0:
            raise ValueError(f"BatchNorm1d: eps must be positive, got {eps}")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"BatchNorm1d: momentum must be in [0, 1] or None, got {momentum}")
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
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d: expected input of shape (N, {self.num_features}) or "
                             f"(N, {self.num_features}, L), got {x.shape}")
        # Statistics are per feature; shaped (1, C) or (1, C, 1) they broadcast against x.
        axes = (0,) if x.ndim == 2 else (0, 2)
        shape = (1, self.num_features) + (1,) * (x.ndim - 2)
        if self.training:
            count = x.size // self.num_features
            if count < 2:
                raise ValueError(f"BatchNorm1d: training needs more than one value per feature, "
                                 f"got input of shape {x.shape}")
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

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}")
