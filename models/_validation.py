"""Input checks shared by every model in this package.

The plumbing comes from scikit-learn itself (`validate_data`, `check_is_fitted`,
`check_classification_targets`), so the models reject bad input exactly as
scikit-learn's do: NaN/inf, wrong dimensions, a feature count that differs from
the one seen in `fit`. Every message names the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

NO_Y = "no_validation"  # scikit-learn's marker for "this fit takes no target"


def fit_input(model: Any, X: Any, y: Any = NO_Y, *, y_numeric: bool = False, reset: bool = True):
    """Validated float64 X (and y) for `fit`; records `n_features_in_` on the model.

    Clusterers leave y out; a supervised model passes its y, and y=None is an error.
    `reset=False` (a later `partial_fit` batch) checks the feature count instead.
    """
    if isinstance(y, str) and y == NO_Y:
        return validate_data(model, X, dtype=np.float64, reset=reset)
    return validate_data(model, X, y, dtype=np.float64, y_numeric=y_numeric, reset=reset)


def predict_input(model: Any, X: Any) -> np.ndarray:
    """Validated float64 X for a fitted model; its feature count must match `fit`'s."""
    check_is_fitted(model)
    return validate_data(model, X, dtype=np.float64, reset=False)


def encode_classes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(classes, codes): the sorted distinct labels and y as indices into them.

    Labels may be anything sortable (ints, strings); continuous targets are
    rejected, as scikit-learn's classifiers do. A 1-D array of integers or booleans
    always holds classes, so only other targets go through scikit-learn's check.
    """
    if not (y.ndim == 1 and y.dtype.kind in "biu"):
        check_classification_targets(y)
    classes, codes = np.unique(y, return_inverse=True)
    return classes, codes


def check_at_most(model: Any, name: str, value: int, limit: int, limit_name: str) -> None:
    """Raise a ValueError naming the model when `value` > `limit` (e.g. k > n_samples)."""
    if value > limit:
        raise ValueError(
            f"{type(model).__name__}: expected {name} <= {limit_name}, "
            f"but {name} = {value} and {limit_name} = {limit}"
        )


def check_positive_int(model: Any, name: str, value: Any) -> None:
    """Raise a ValueError naming the model unless `value` is an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{type(model).__name__}: {name} must be an int >= 1, got {value!r}")


def check_choice(model: Any, name: str, value: Any, choices: tuple) -> None:
    """Raise a ValueError naming the model unless `value` is one of `choices`."""
    if value not in choices:
        raise ValueError(
            f"{type(model).__name__}: {name} must be one of {choices}, got {value!r}"
        )
