"""tinygrad_edu: a small reverse-mode autodiff framework on NumPy.

    import tinygrad_edu as tg
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # Tensor([2., 4.])
"""

from tinygrad_edu.tensor import (  # noqa: I001  (tensor must be imported before autograd)
    Tensor,
    arange,
    concatenate,
    eye,
    floor_divide,
    full,
    isclose,
    maximum,
    minimum,
    ones,
    ones_like,
    rand,
    randn,
    stack,
    where,
    zeros,
    zeros_like,
)
from tinygrad_edu.autograd import (
    OPS,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from tinygrad_edu import data, func, nn, optim  # tg.nn, tg.optim as torch.nn, torch.optim
from tinygrad_edu.functional import einsum
from tinygrad_edu.memory import keep_freed_memory_unless_opted_out
from tinygrad_edu.rng import manual_seed
from tinygrad_edu.serialization import load, save

__version__ = "0.1.0"

keep_freed_memory_unless_opted_out()  # see memory.py: each step reuses the last one's pages

__all__ = [
    "OPS", "Tensor", "arange", "concatenate", "data", "detect_anomaly", "einsum", "enable_grad",
    "eye", "floor_divide", "func", "full", "grad", "is_grad_enabled", "isclose", "load",
    "manual_seed", "maximum", "minimum", "nn", "no_grad", "ones", "ones_like", "optim", "rand",
    "randn", "save", "set_grad_enabled", "stack", "where", "zeros", "zeros_like",
]
