"""Multi-layer perceptrons: a stack of Linear layers with a non-linearity between them.

    h₀ = x,   h_l = g(W_l h_{l-1} + b_l)  for the hidden layers,   z = W_L h_{L-1} + b_L

The module is an `nn.Sequential` of `nn.Linear` and activation layers, so
`model.module_` has PyTorch's state-dict keys ("0.weight", "0.bias", "2.weight", …),
saves with `tg.save(model.module_.state_dict(), path)` and draws with `draw_graph`.

MLPClassifier puts LogisticRegression's output layer on top (one logit + sigmoid +
binary cross-entropy for two classes, softmax + cross-entropy for K; see
`models/logistic.py`); MLPRegressor a single linear output and the squared error
ℓ = ½ (z - y)², scikit-learn's convention (the ½ cancels in dℓ/dz = z - y).

The gradient is backpropagation, the chain rule applied layer by layer from the
top. With δ_L = dℓ/dz (p - onehot(y), or z - y) and a_l = W_l h_{l-1} + b_l:

    ∂ℓ/∂W_l = δ_l h_{l-1}ᵀ,   ∂ℓ/∂b_l = δ_l,   δ_{l-1} = (W_lᵀ δ_l) ⊙ g'(a_{l-1})

with g'(a) = [a > 0] (relu), 1 - tanh²(a) (tanh), σ(a)(1 - σ(a)) (logistic).
Nobody writes that here: each op of the graph knows its own local derivative,
and the engine chains them in reverse order, which is exactly that recursion.

The L2 penalty is scikit-learn's: α/2 ‖W‖² for each weight matrix, divided by
the number of rows in the batch, so λ = α / batch_size in the shared objective
(mean ℓ + λ/2 Σ ‖W‖²). Biases are not penalised.

Argument names and defaults are scikit-learn's (hidden_layer_sizes, activation,
alpha, solver, learning_rate_init, max_iter, batch_size, ...); `solver` also takes
"momentum" (scikit-learn's "sgd" with its default Nesterov momentum 0.9; our "sgd"
is plain gradient descent), "adamw", "rmsprop" and "lbfgs" (full batch, from the
shared template).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import RegressorMixin

import tinygrad_edu.functional as F
from models._gradient_training import GradientTrainedModel
from models._validation import check_choice, check_positive_int, fit_input
from models.logistic import LogisticOutputMixin
from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import init

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "logistic": nn.Sigmoid, "sigmoid": nn.Sigmoid,
               "identity": nn.Identity}


def build_mlp(sizes: Sequence[int], activation: str, dtype: Any) -> nn.Sequential:
    """Linear(sizes[0], sizes[1]), activation, Linear(sizes[1], sizes[2]), …, Linear(…, sizes[-1]).

    The layers are numbered 0, 1, 2, … as in `torch.nn.Sequential`; activations have no parameters.
    """
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if layers:
            layers.append(ACTIVATIONS[activation]())
        layers.append(nn.Linear(n_in, n_out, dtype=dtype))
    return nn.Sequential(*layers)


def glorot_uniform_(layer: nn.Linear, activation: str) -> None:
    """scikit-learn's initialisation (Glorot & Bengio, 2010): weights and biases from
    U(-b, b), b = √(6 / (fan_in + fan_out)), or √(2 / (fan_in + fan_out)) for "logistic".

    It keeps the variance of the activations about the same from layer to layer.
    nn.Linear's default, PyTorch's U(±1/√fan_in), is 2.3 times narrower for 784 → 100:
    with it, ten epochs on MNIST ended at a training loss 27 % above scikit-learn's.
    """
    fan_out, fan_in = layer.weight.shape
    bound = math.sqrt((2.0 if activation in ("logistic", "sigmoid") else 6.0) / (fan_in + fan_out))
    init.uniform_(layer.weight, -bound, bound)
    init.uniform_(layer.bias, -bound, bound)


class MultilayerPerceptron(GradientTrainedModel):
    """What MLPClassifier and MLPRegressor share: the arguments, the checks, the module
    and the penalty. Defaults are scikit-learn's (Adam, learning rate 1e-3, batches of 200,
    at most 200 epochs, stop after 10 epochs without improving by 1e-4)."""

    def __init__(self, hidden_layer_sizes: int | Sequence[int] = (100,), activation: str = "relu",
                 *, alpha: float = 1e-4, solver: str = "adam", learning_rate_init: float = 1e-3,
                 max_iter: int = 200, batch_size: int | str | None = "auto",
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 10,
                 tol: float = 1e-4, random_state: Any = None, verbose: bool = False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        return [sizes] if isinstance(sizes, (int, np.integer)) else list(sizes)

    def _check_parameters(self) -> None:
        for size in self._hidden_sizes():
            check_positive_int(self, "every hidden layer size", size)
        check_choice(self, "activation", self.activation, tuple(ACTIVATIONS))
        if not self.alpha >= 0:
            raise ValueError(f"{type(self).__name__}: alpha must be >= 0, got {self.alpha!r}")
        self._check_training_parameters()

    def _build_module(self, n_features: int, n_outputs: int, dtype: Any) -> nn.Module:
        """The layers, with scikit-learn's initial weights (`glorot_uniform_`)."""
        module = build_mlp([n_features, *self._hidden_sizes(), n_outputs], self.activation, dtype)
        for layer in module:
            if isinstance(layer, nn.Linear):
                glorot_uniform_(layer, self.activation)
        return module

    def _l2_strength(self, n_samples: int) -> float:
        """λ = α / (rows per batch), scikit-learn's scaling of the penalty."""
        return self.alpha / self._batch_rows(n_samples)


class MLPClassifier(LogisticOutputMixin, MultilayerPerceptron):
    """A multi-layer perceptron classifier: hidden layers, then a sigmoid (two classes)
    or softmax (K classes) output trained on the cross-entropy."""

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        self._check_parameters()
        X, y = fit_input(self, X, y)
        n_outputs = self._fit_classes(y)
        self._train(X, self._targets(y), n_outputs)
        return self


class MLPRegressor(RegressorMixin, MultilayerPerceptron):
    """A multi-layer perceptron regressor: hidden layers, then one linear output trained
    on ½ (z - y)². Standardise y (as X) for the defaults to work well."""

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        self._check_parameters()
        X, y = fit_input(self, X, y, y_numeric=True)
        self._train(X, self._targets(y), n_outputs=1)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self._outputs(X)[:, 0]

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return y.reshape(-1, 1)

    def _sample_loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return 0.5 * F.mse_loss(outputs, targets)
