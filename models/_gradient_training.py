"""The training machinery every gradient-trained model shares.

A gradient-trained model is three things:

1. a **module** f(x; θ) from `tinygrad_edu.nn` that maps a row of input
   features to a row of outputs (one `nn.Linear` for the linear models, an
   `nn.Sequential` of layers for the MLPs);
2. an **objective**, a graph of Tensor ops on a batch B of rows (X_B, T_B):

       J(θ) = (1/|B|) Σ_{i∈B} ℓ(f(x_i; θ), t_i)  +  (λ/2) Σ_W ‖W‖²

   where the per-sample loss ℓ is the model's (squared error, cross-entropy,
   hinge, ε-insensitive) and the L2 penalty runs over every weight matrix W of
   the module (biases are not penalised). Each model says what λ is in terms
   of its scikit-learn parameter (`C`, `alpha`) in `_l2_strength`;
3. **the loop**, `tinygrad_edu.train.fit`: for every shuffled mini-batch the
   engine backpropagates J through its graph to get ∇θ J, and an optimizer from
   `tinygrad_edu.optim` takes a step. Nothing here writes a derivative.

The shared vocabulary, the same constructor arguments on every model, spelled as
scikit-learn's MLP spells them:

    solver               "lbfgs": full-batch L-BFGS (`optim.LBFGS` with the strong Wolfe line
                         search, in float64, as scikit-learn's solver="lbfgs"); or gradient
                         descent: "sgd" (plain, θ ← θ - η ∇J; scikit-learn's "sgd" with
                         momentum=0), "momentum" (SGD with Nesterov momentum 0.9: scikit-learn's
                         default "sgd"), "adam"; ours only: "adamw", "rmsprop" (PyTorch's
                         defaults for everything but η)
    learning_rate_init   the learning rate η, constant (scikit-learn's learning_rate="constant")
    max_iter             the most epochs (passes over the training rows); for lbfgs the most
                         iterations (each evaluates J and ∇J once or more: the line search)
    tol                  gradient descent: the least improvement of the objective that counts
                         (see early_stopping); lbfgs: stop once every |∂J/∂θ_i| ≤ tol
    batch_size           rows per step; None = all of them (full-batch descent); "auto" =
                         min(200, n), scikit-learn's MLP default
    early_stopping       True: hold out `validation_fraction` of the rows (stratified for
                         two classes), stop when the score on them (accuracy, or R²) has
                         missed its best by `tol` for more than `n_iter_no_change` epochs
                         in a row, and keep the best epoch's weights (scikit-learn's rule).
                         False: the same rule on the training objective, scikit-learn's too
                         (NoImprovementStopping)
    random_state         seeds the shuffling and the split, and an MLP's initial weights (a
                         linear model starts at zero, as scikit-learn's do)
    verbose              a progress bar per epoch (lbfgs: one line at the end)

lbfgs is full-batch and has no learning rate: it ignores batch_size, learning_rate_init,
early_stopping and n_iter_no_change, as scikit-learn's MLP does, and warns
(ConvergenceWarning) when it stops at max_iter.

After `fit`: `module_` (the trained module, savable with `tg.save(module_.state_dict())`),
`loss_curve_` (the training objective after each pass over the rows: each epoch's mean for
gradient descent, each evaluation of J for lbfgs), with early stopping
`validation_scores_`, `best_validation_score_` (scikit-learn's) and `validation_loss_curve_`
(the objective on the held-out rows), `n_iter_` (epochs, or lbfgs iterations)
and `l2_strength_` (λ); a model whose
module is one `nn.Linear` also gets scikit-learn's `coef_` and `intercept_`.
`model.objective(X, y)` rebuilds the objective on any data as a graph, and
`model.graph(X, y)` draws it, forward and backward, with Graphviz.

Gradient descent runs in float32, L-BFGS in float64 (its line search compares losses that
differ in their last digits); predictions are computed in float64 from the trained
weights, so they do not depend on how the rows are batched.

**One way to write a model.** `GradientTrainedModel.fit` is the template every model
follows: check the parameters → validate the input → prepare the targets → train → set
the fitted attributes. A model fills in the hooks (`_check_parameters`, `_prepare_targets`,
`_sample_loss`, `_l2_strength`, ...) and writes no `fit` of its own (see the documentation's
"Adding a model" page).
"""

from __future__ import annotations

import sys
import warnings
from contextlib import AbstractContextManager
from functools import cache, partial
from typing import Any

import graphviz
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController

import tinygrad_edu as tg
from models._validation import (
    check_choice,
    check_positive_int,
    encode_classes,
    fit_input,
    predict_input,
)
from tinygrad_edu import Tensor, nn, optim, rng
from tinygrad_edu.data import DataLoader, TensorDataset, train_test_split
from tinygrad_edu.train import EarlyStopping, History, fit
from tinygrad_edu.viz import draw_graph

OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rmsprop")  # the gradient descent solvers
SOLVERS = ("lbfgs", *OPTIMIZERS)
# scipy's L-BFGS-B defaults, which scikit-learn's solver="lbfgs" uses: 10 (s, y) pairs,
# at most 15,000 evaluations, stop when the loss changes by less than 64 machine epsilons.
LBFGS_HISTORY = 10
LBFGS_MAX_EVAL = 15_000
LBFGS_TOLERANCE_CHANGE = 64 * np.finfo(np.float64).eps


def make_optimizer(name: str, parameters: list[Tensor], lr: float) -> optim.Optimizer:
    """The optimizer called `name` (the model's `solver`), over `parameters`, with
    learning rate `lr`."""
    if name == "sgd":
        return optim.SGD(parameters, lr=lr)
    if name == "momentum":
        return optim.SGD(parameters, lr=lr, momentum=0.9, nesterov=True)
    kinds = {"adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop}
    return kinds[name](parameters, lr=lr)


def weight_matrices(module: nn.Module) -> list[Tensor]:
    """The module's weight matrices, the parameters the L2 penalty runs over (not the biases).
    Found once per fit: walking the module tree costs more than the penalty's ops."""
    return [p for name, p in module.named_parameters() if name.endswith("weight")]


def l2_penalty(weights: list[Tensor]) -> Tensor:
    """Σ_W ‖W‖²: the squared entries of every weight matrix, summed."""
    total = (weights[0] * weights[0]).sum()
    for weight in weights[1:]:
        total = total + (weight * weight).sum()
    return total


@cache
def blas_controller() -> ThreadpoolController:
    """The thread pools of the libraries loaded now, found once: finding them reads
    the process's memory map, which costs milliseconds, more than a small fit."""
    return ThreadpoolController()


def single_threaded_blas() -> AbstractContextManager:
    """A context in which BLAS runs on one thread.

    Training multiplies small matrices, for which BLAS threads cost more in
    synchronisation than they save; on a busy machine OpenBLAS's threads can make
    a step 5-20x slower. (scikit-learn's KMeans limits its BLAS threads too.)
    """
    return blas_controller().limit(limits=1, user_api="blas")


def seed_for(random_state: Any) -> int:
    """One integer seed from scikit-learn's random_state (None, an int or a RandomState)."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def independent_seeds(seed: int, count: int) -> list[int]:
    """`count` seeds for other random draws than the one `seed` itself makes.

    Seeding two generators with the same number gives the same stream twice: the
    initial weights and the first epoch's shuffle would be made of the same random
    bits. `SeedSequence` derives statistically independent seeds from one.
    """
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(count)]


class NoImprovementStopping(EarlyStopping):
    """scikit-learn's MLP rule for stopping gradient descent (`tol`, `n_iter_no_change`).

    After each epoch, with J the monitored loss and J* the best one so far:

        count ← 0 if J ≤ J* - tol else count + 1;    J* ← min(J*, J);    stop when count > patience

    and the mirror image for a score s (the validation accuracy or R² of early_stopping):
    count ← 0 if s ≥ s* + tol, s* ← max(s*, s). The best value follows *every*
    improvement, however small, so a loss that keeps creeping down by less than `tol` per
    epoch counts as not improving. (EarlyStopping, as Keras and Lightning write it, moves
    its best value only on an improvement of more than `min_delta`, so such a loss would
    reset its count every few epochs and never stop.)
    """

    def update(self, epoch: int, history: History, model: Any) -> bool:
        value = getattr(history, self.monitor)[-1]
        if self.improves_by_at_least(value, self.min_delta):
            self.epochs_without_improvement = 0
        else:
            self.epochs_without_improvement += 1
        if self.beats_best(value, 0.0):
            self.remember_best(epoch, value, model)
        return self.epochs_without_improvement > self.patience

    def improves_by_at_least(self, value: float, tol: float) -> bool:
        """J ≤ J* - tol for a loss, s ≥ s* + tol for a score; the first value always does."""
        return self.best is None or self.as_lower_is_better(value) <= (
            self.as_lower_is_better(self.best) - tol)


def r_squared(y: np.ndarray, predicted: np.ndarray) -> float:
    """R² = 1 - Σ (y - ŷ)² / Σ (y - ȳ)²; for a constant y, 1 if every ŷ = y else 0
    (scikit-learn's `r2_score` with its default force_finite=True). Not r2_score itself:
    `fit` scores every training batch too, and r2_score warns and gives NaN on one row."""
    residual = float(np.sum((y - predicted) ** 2))
    spread = float(np.sum((y - np.mean(y)) ** 2))
    if spread == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / spread


def fit_classes(model: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(classes, codes) as `encode_classes`, refusing a y with fewer than two classes."""
    classes, codes = encode_classes(y)
    if len(classes) < 2:
        raise ValueError(f"{type(model).__name__}: needs samples of at least 2 classes to "
                         f"train, but y has only one class: {classes.tolist()[0]!r}")
    return classes, codes


def class_codes(model: Any, y: np.ndarray) -> np.ndarray:
    """The index in `model.classes_` of each label of y (a label not seen in fit is an error)."""
    codes = np.searchsorted(model.classes_, y).clip(max=len(model.classes_) - 1)
    unknown = model.classes_[codes] != y
    if unknown.any():
        raise ValueError(f"{type(model).__name__}: y has labels {np.unique(y[unknown])} "
                         f"that were not in fit's classes {model.classes_}")
    return codes


class ScoreClassifierMixin(ClassifierMixin):
    """A classifier that decides by its scores (LogisticRegression, LinearSVC, MLPClassifier):
    one score column for two classes (> 0 means classes_[1]), one per class for K (the
    largest wins). Labels of any sortable type (ints, strings)."""

    def _fit_classes(self, y: np.ndarray) -> int:
        """Set `classes_`; the number of score columns the module needs (1 for two classes)."""
        self.classes_, _ = fit_classes(self, y)
        return 1 if len(self.classes_) == 2 else len(self.classes_)

    def _prepare_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        n_outputs = self._fit_classes(y)
        return self._targets(y), n_outputs

    def decision_function(self, X: Any) -> np.ndarray:
        """The scores: (n,) for two classes (> 0 means classes_[1]), else (n, K)."""
        scores = self._outputs(X)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X: Any) -> np.ndarray:
        """The class of the sign of the score (two classes) or of the largest score (K)."""
        classes = class_of_scores(self._outputs(X))  # raises first if not fitted
        return self.classes_[classes]

    def _stratify_by(self, targets: np.ndarray) -> np.ndarray | None:
        """Two classes: the class of each target row, so early stopping's split keeps their
        shares. K classes: None, as in scikit-learn's MLP (it stratifies only when its
        binarized y has one column)."""
        if len(self.classes_) != 2:
            return None
        classes = class_of_scores(targets)
        counts = np.bincount(classes, minlength=2)
        if counts.min() < 2:
            rare = self.classes_[counts.argmin()].item()
            raise ValueError(f"{type(self).__name__}: early_stopping holds out a validation set "
                             "with both classes in their shares, so each class needs at least 2 "
                             f"rows; class {rare!r} has {counts.min()}")
        return classes

    def _validation_score(self, outputs: Tensor, targets: Tensor) -> float:
        """A classifier's score, the accuracy, of the module's outputs."""
        right = class_of_scores(outputs.data) == class_of_scores(targets.data)
        return np.count_nonzero(right) / len(right)


def class_of_scores(scores: np.ndarray) -> np.ndarray:
    """The class index each row stands for: one score column means class 1 where the score is
    > 0; K columns, the largest. Targets have these forms too (0/1 or ±1 columns, ±1
    one-vs-rest rows), or are the class indices already (1-D)."""
    if scores.ndim == 1:
        return scores
    if scores.shape[1] == 1:
        return (scores[:, 0] > 0).astype(np.intp)
    return np.argmax(scores, axis=1)


class CPenaltyMixin:
    """scikit-learn's `C` (LogisticRegression, the SVMs): the objective ½‖W‖² + C Σ_i ℓ_i.

    Dividing it by C n does not move the minimum and gives the shared form
    (1/n) Σ_i ℓ_i + (λ/2) ‖W‖² with λ = 1/(C n). C = inf means no penalty.
    """

    def _check_C(self) -> None:
        if not self.C > 0:
            raise ValueError(f"{type(self).__name__}: C must be > 0, got {self.C!r}")

    def _l2_strength(self, n_samples: int) -> float:
        return 0.0 if np.isinf(self.C) else 1.0 / (self.C * n_samples)


class GradientTrainedModel(BaseEstimator):
    """Base class: the shared vocabulary, the training loop, `loss` and `graph`.

    A subclass stores the vocabulary's arguments in its `__init__` (scikit-learn
    reads them from its signature), and defines

        _build_module(n_features, n_outputs, dtype) -> nn.Module   (nn.Linear by default)
        _sample_loss(outputs, targets) -> Tensor   the batch mean of ℓ
        _l2_strength(n_samples) -> float           λ, for n training rows
        _features(X), _targets(y)                  data → what the module and ℓ consume

    and, when the defaults do not fit, the steps of the template `fit`:

        _check_parameters()           raise ValueError naming the model (before any change)
        _fit_features(X) -> features  (fits what `_features` needs, e.g. a scaler)
        _prepare_targets(y) -> (targets, n_outputs)   (a classifier sets classes_ here)
        _set_fitted_attributes()      after training (coef_, intercept_ by default)
    """

    # ------------------------------------------------------------------ the template

    def fit(self, X: Any, y: Any) -> GradientTrainedModel:
        """Check the parameters → validate the input → prepare the targets → train → set
        the fitted attributes. Every gradient-trained model fits this way."""
        self._check_parameters()
        X, y = fit_input(self, X, y, y_numeric=is_regressor(self))
        targets, n_outputs = self._prepare_targets(y)
        self._train(self._fit_features(X), targets, n_outputs)
        self._set_fitted_attributes()
        return self

    def _check_parameters(self) -> None:
        """The shared vocabulary's checks; a model with parameters of its own adds its checks."""
        self._check_training_parameters()

    def _fit_features(self, X: np.ndarray) -> np.ndarray:
        """The module's input for the training rows (`_features` by default)."""
        return self._features(X)

    def _prepare_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        """(what ℓ consumes, the number of module outputs): a regressor's one column."""
        return self._targets(y), 1

    def _set_fitted_attributes(self) -> None:
        """scikit-learn's `coef_` (n_outputs, n_features) and `intercept_` (n_outputs,) when
        the module is one nn.Linear, in float64."""
        if isinstance(self.module_, nn.Linear):
            self.coef_ = self.module_.weight.numpy().astype(np.float64)
            self.intercept_ = self.module_.bias.numpy().astype(np.float64)

    # ------------------------------------------------------------------ hooks

    def _features(self, X: np.ndarray) -> np.ndarray:
        """The module's input for validated rows X (the rows themselves by default)."""
        return X

    def _targets(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _build_module(self, n_features: int, n_outputs: int, dtype: Any) -> nn.Module:
        """A linear model, z = W x + b, by default, starting at W = 0 and b = 0 as
        scikit-learn's linear models do: their objectives are convex, so a random start
        buys nothing, and without one a fit does not depend on random_state (the MLPs
        stack layers instead, from random weights, which break the hidden units' symmetry)."""
        module = nn.Linear(n_features, n_outputs, dtype=dtype)
        nn.init.zeros_(module.weight)
        nn.init.zeros_(module.bias)
        return module

    def _sample_loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        raise NotImplementedError

    def _l2_strength(self, n_samples: int) -> float:
        raise NotImplementedError

    def _stratify_by(self, targets: np.ndarray) -> np.ndarray | None:
        """What early stopping's split keeps the shares of: nothing, for a regressor."""
        return None

    def _validation_score(self, outputs: Tensor, targets: Tensor) -> float:
        """A regressor's score, R², of the module's outputs (see `r_squared`)."""
        return r_squared(targets.data, outputs.data)

    # --------------------------------------------------------------- training

    def _check_training_parameters(self) -> None:
        """Raise ValueError, naming the model, for a bad value of the shared vocabulary."""
        check_choice(self, "solver", self.solver, self._solvers())
        check_positive_int(self, "max_iter", self.max_iter)
        check_positive_int(self, "n_iter_no_change", self.n_iter_no_change)
        if self.batch_size is not None and not (isinstance(self.batch_size, str)
                                                and self.batch_size == "auto"):
            check_positive_int(self, "batch_size", self.batch_size)
        name = type(self).__name__
        if self.learning_rate_init is not None and not self.learning_rate_init > 0:
            raise ValueError(f"{name}: learning_rate_init must be > 0, "
                             f"got {self.learning_rate_init!r}")
        if not self.tol >= 0:
            raise ValueError(f"{name}: tol must be >= 0, got {self.tol!r}")
        if not 0 < self.validation_fraction < 1:
            raise ValueError(f"{name}: validation_fraction must be in (0, 1), "
                             f"got {self.validation_fraction!r}")

    def _train(self, features: np.ndarray, targets: np.ndarray, n_outputs: int) -> None:
        """Build a fresh module and minimise the objective over (features, targets)."""
        if self.solver == "lbfgs":
            self._train_lbfgs(features, targets, n_outputs)
        else:
            self._train_gradient_descent(features, targets, n_outputs)

    def _new_module(self, n_features: int, n_outputs: int, dtype: Any, seed: int) -> nn.Module:
        """The module with its initial weights drawn from `seed` (the user's stream is
        left alone)."""
        with rng.seeded(seed):
            return self._build_module(n_features, n_outputs, dtype)

    def _train_lbfgs(self, features: np.ndarray, targets: np.ndarray, n_outputs: int) -> None:
        """Minimise J over all the rows with L-BFGS, in float64: one `step` of `optim.LBFGS`
        runs up to max_iter iterations, calling the closure (J and its backward pass) as
        often as the line search needs."""
        module = self._new_module(features.shape[1], n_outputs, np.float64,
                                  seed_for(self.random_state))
        inputs = Tensor(features, dtype=np.float64)
        targets = Tensor(targets, dtype=np.float64 if targets.dtype.kind == "f" else None)
        self.l2_strength_ = float(self._l2_strength(len(features)))
        parameters, weights = list(module.parameters()), weight_matrices(module)
        optimizer = optim.LBFGS(parameters, max_iter=self.max_iter, max_eval=LBFGS_MAX_EVAL,
                                tolerance_grad=self.tol,
                                tolerance_change=LBFGS_TOLERANCE_CHANGE,
                                history_size=LBFGS_HISTORY, line_search_fn="strong_wolfe")
        losses: list[float] = []

        def closure() -> Tensor:
            optimizer.zero_grad()
            loss = self._batch_objective(weights, module(inputs), targets)
            loss.backward()
            losses.append(loss.item())
            return loss

        with single_threaded_blas():
            optimizer.step(closure)
        optimizer.zero_grad()  # the fitted module carries no gradient of the last evaluation
        state = optimizer.state[parameters[0]]
        self._record_training(module, losses, state["n_iter"])
        name = type(self).__name__
        if self.verbose:
            print(f"{name}: lbfgs, {self.n_iter_} iterations, {state['func_evals']} "
                  f"evaluations, objective {losses[-1]:.6g}", file=sys.stderr)
        if self.n_iter_ >= self.max_iter:
            warnings.warn(f"{name}: lbfgs stopped at max_iter={self.max_iter} iterations "
                          f"before every gradient entry fell below tol={self.tol}; increase "
                          f"max_iter or scale the data", ConvergenceWarning, stacklevel=4)

    def _train_gradient_descent(self, features: np.ndarray, targets: np.ndarray,
                                n_outputs: int) -> None:
        """`tinygrad_edu.train.fit`'s loop over (mini-)batches, in float32."""
        if self.early_stopping and len(features) < 2:
            raise ValueError(f"{type(self).__name__}: early_stopping holds out a validation "
                             f"set, so it needs at least 2 samples; got n_samples = "
                             f"{len(features)}")
        init_seed = seed_for(self.random_state)
        shuffle_seed, split_seed = independent_seeds(init_seed, 2)
        module = self._new_module(features.shape[1], n_outputs, np.float32, init_seed)
        features = features.astype(np.float32)
        if targets.dtype.kind == "f":
            targets = targets.astype(np.float32)
        if self.early_stopping:  # held-out rows, stratified for two classes (scikit-learn's)
            features, val_features, targets, val_targets = train_test_split(
                features, targets, test_size=self.validation_fraction, random_state=split_seed,
                stratify=self._stratify_by(targets))
            val_loader = DataLoader(TensorDataset(val_features, val_targets),
                                    batch_size=len(val_features))
        else:
            val_loader = None
        n_rows = len(features)
        batch_size = self._batch_rows(n_rows)
        train_loader = DataLoader(TensorDataset(features, targets), batch_size=batch_size,
                                  shuffle=batch_size < n_rows, seed=shuffle_seed)
        stopper = NoImprovementStopping(patience=self.n_iter_no_change, min_delta=self.tol,
                                        monitor="val_metric" if self.early_stopping
                                        else "train_loss",
                                        restore_best_weights=bool(self.early_stopping))
        self.l2_strength_ = float(self._l2_strength(n_rows))
        optimizer = make_optimizer(self.solver, list(module.parameters()),
                                   self._learning_rate(features))
        with single_threaded_blas():
            history = fit(module, partial(self._batch_objective, weight_matrices(module)),
                          optimizer, train_loader,
                          val_loader, epochs=self.max_iter,
                          metric=self._validation_score if self.early_stopping else None,
                          early_stopping=stopper, progress=bool(self.verbose))
        self._record_training(module, history.train_loss, history.epochs,
                              history if self.early_stopping else None)

    def _record_training(self, module: nn.Module, loss_curve: list[float], n_iter: int,
                         validation: History | None = None) -> None:
        """The fitted attributes every solver sets, with early stopping's `validation` record:
        the loss and score on the held-out rows each epoch (scikit-learn's
        `validation_scores_` and `best_validation_score_`; None without early stopping)."""
        self.module_ = module
        self.loss_curve_ = loss_curve
        self.n_iter_ = n_iter
        self.validation_loss_curve_ = validation.val_loss if validation else []
        self.validation_scores_ = validation.val_metric if validation else None
        self.best_validation_score_ = max(validation.val_metric) if validation else None

    def _batch_objective(self, weights: list[Tensor], outputs: Tensor, targets: Tensor) -> Tensor:
        """J = mean ℓ(outputs, targets) + (λ/2) Σ_W ‖W‖², as one graph."""
        loss = self._sample_loss(outputs, targets)
        if self.l2_strength_:
            loss = loss + (0.5 * self.l2_strength_) * l2_penalty(weights)
        return loss

    def _batch_rows(self, n_rows: int) -> int:
        """Rows per step for n_rows training rows: batch_size (at most n_rows), all of
        them for None and for lbfgs, min(200, n_rows) for "auto"."""
        if self.batch_size is None or self.solver == "lbfgs":
            return n_rows
        return min(200 if self.batch_size == "auto" else self.batch_size, n_rows)

    def _solvers(self) -> tuple[str, ...]:
        """The values `solver` may take (LinearRegression adds its closed form)."""
        return SOLVERS

    def _learning_rate(self, features: np.ndarray) -> float:
        """`learning_rate_init`; a model that can choose a step size from the data overrides
        this."""
        if self.learning_rate_init is None:
            raise ValueError(f"{type(self).__name__}: learning_rate_init must be a number, "
                             f"got None")
        return self.learning_rate_init

    # ------------------------------------------------------------ using it

    def _outputs(self, X: Any) -> np.ndarray:
        """The trained module's outputs for X, computed in float64 without a graph."""
        X = predict_input(self, X)
        with tg.no_grad():
            return self.module_(Tensor(self._features(X), dtype=np.float64)).numpy()

    def objective(self, X: Any, y: Any, module: nn.Module | None = None) -> Tensor:
        """The training objective J on (X, y) as a scalar Tensor whose graph reaches the
        parameters of the fitted module (or of `module`, a module of the same shape)."""
        check_is_fitted(self, "module_")
        X, y = validate_data(self, X, y, dtype=np.float64, reset=False,
                             y_numeric=is_regressor(self))
        module = self.module_ if module is None else module
        dtype = next(iter(module.parameters())).dtype
        targets = self._targets(y)
        if targets.dtype.kind == "f":
            targets = targets.astype(dtype)
        outputs = module(Tensor(self._features(X), dtype=dtype, name="X"))
        targets = Tensor(targets, dtype=targets.dtype, name="y")
        return self._batch_objective(weight_matrices(module), outputs, targets)

    def graph(self, X: Any, y: Any) -> graphviz.Digraph:
        """The Graphviz drawing of `objective(X, y)` after its backward pass: the ops from the
        data and the parameters to J, and the gradients flowing back to the parameters."""
        loss = self.objective(X, y)
        loss.backward(retain_graph=True)  # keep the graph so it can be drawn
        drawing = draw_graph(loss, module=self.module_)
        self.module_.zero_grad()
        return drawing
