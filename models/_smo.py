"""Sequential minimal optimisation (SMO): the dual problem libsvm solves for SVC and SVR.

Both kernel machines come down to one quadratic programme over l variables α,

    minimise    f(α) = ½ αᵀ Q α + pᵀ α
    subject to  yᵀ α = 0,   0 ≤ α_t ≤ C,          Q_st = y_s y_t K_st,  y_t ∈ {-1, +1},

and the machine is f(x) = Σ_t y_t α_t k(x_t, x) + b (see `models/svm.py` for
what y, p and the variables are in each case).

SMO moves two variables at a time, the fewest that can keep yᵀα = 0. Moving
α_i by +y_i t and α_j by -y_j t keeps the constraint and changes f by

    f(α + t d) = f(α) - b_ij t + ½ a_ij t²,
    b_ij = -y_i G_i + y_j G_j,      a_ij = K_ii + K_jj - 2 K_ij,      G = ∇f(α) = Q α + p,

so the best step is t = b_ij / a_ij, cut short where α_i or α_j would leave [0, C].
The gradient then changes by t · y ⊙ (K_i - K_j), two kernel columns.

**Which pair (libsvm's second-order working-set selection, Fan, Chen & Lin 2005).**
α_t can move in the direction +y_t when t ∈ I_up = {y_t = +1, α_t < C} ∪ {y_t = -1, α_t > 0}
and in the direction -y_t when t ∈ I_low = {y_t = +1, α_t > 0} ∪ {y_t = -1, α_t < C}.
With m = max_{I_up} -y_t G_t and M = min_{I_low} -y_t G_t, α is optimal (the KKT
conditions hold) exactly when m ≤ M. So:

    i = argmax_{t ∈ I_up} -y_t G_t,
    j = argmin over t ∈ I_low with -y_t G_t < m of  -b_it² / a_it   (the largest decrease of f),

and stop when m - M < tol (scikit-learn's and libsvm's `tol`, 1e-3 by default).
a_it ≤ 0 (a kernel that is not positive definite) is replaced by τ = 1e-12, as in libsvm
(here any a_it below τ: the same choice, as no pair with 0 < a_it < τ occurs in practice).

**The bias** b = -ρ: on a free variable (0 < α_t < C) the KKT conditions give
y_t G_t = ρ exactly, so ρ is their average; with none free, the middle of the
interval the bounded ones leave for it (libsvm's `calculate_rho`).

libsvm also "shrinks" (temporarily drops variables that sit at a bound); that
only makes iterations cheaper, it does not change the problem or the answer,
so it is left out here.

**Kernel columns.** The solver only ever reads whole columns K_i. `KernelColumns`
computes the whole matrix in one product when it fits in `cache_size` MB, and
otherwise computes columns when first needed and keeps the most recently used
ones that fit (libsvm's cache; libsvm stores them in float32, we in float64).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np

TAU = 1e-12  # libsvm's stand-in for a non-positive curvature a_ij


class KernelColumns:
    """K[:, j] for the rows of one problem, as the solver asks for them.

    `kernel.column(j)` computes column j of the problem's kernel matrix and
    `kernel(X)` the whole of it. Each column is returned `copies` times end to end
    (SVR's 2n variables live on n rows).
    """

    def __init__(self, kernel, n_rows: int, cache_size: float, copies: int = 1,
                 matrix: np.ndarray | None = None):
        """`matrix`: the whole K, when the caller has it."""
        self.kernel, self.copies = kernel, copies
        self.capacity = max(2, int(cache_size * 2**20 // (8 * copies * n_rows)))
        if matrix is None and 8 * n_rows**2 <= cache_size * 2**20:
            matrix = kernel(kernel.B)  # it fits: one matrix product instead of n small ones
        self.matrix = matrix
        self.cache: OrderedDict[int, np.ndarray] = OrderedDict()

    def __call__(self, j: int) -> np.ndarray:
        if self.matrix is not None:  # row j of the symmetric K is column j
            row = self.matrix[j]
            return row if self.copies == 1 else np.concatenate((row,) * self.copies)
        if j in self.cache:
            self.cache.move_to_end(j)
            return self.cache[j]
        if len(self.cache) >= self.capacity:
            self.cache.popitem(last=False)  # drop the least recently used column
        column = self.cache[j] = np.concatenate((self.kernel.column(j),) * self.copies)
        return column


def solve_smo(column: Callable[[int], np.ndarray], diagonal: np.ndarray, y: np.ndarray,
              p: np.ndarray, C: float, tol: float, max_iter: int):
    """(α, ρ, n_iter, converged) minimising ½ αᵀQα + pᵀα under yᵀα = 0, 0 ≤ α ≤ C.

    `column(t)` is the kernel column K[:, t] and `diagonal` the K_tt, both over the
    l variables; `max_iter` = -1 means no limit. Starts from α = 0, where G = p.
    The loop keeps s = -y ⊙ G (the scores the selection compares) rather than G:
    with y_t² = 1, a step changes it by -t (K_i - K_j).

    I_up and I_low are kept as offsets added to s: 0 for a member, -∞ (I_up) or
    +∞ (I_low) otherwise, so a maximum over I_up is one `argmax` of s + up_off.
    Each iteration is a dozen NumPy operations over the l variables.
    """
    alpha = np.zeros(len(y))
    score = -y * p
    up_off = np.where(y > 0, 0.0, -np.inf)  # I_up and I_low at α = 0
    low_off = np.where(y < 0, 0.0, np.inf)
    b, a = np.empty(len(y)), np.empty(len(y))  # work arrays, overwritten at every iteration
    n_iter = 0
    while max_iter < 0 or n_iter < max_iter:
        i = int(np.add(score, up_off, out=b).argmax())
        # b_it = s_i - s_t over I_low (-∞ elsewhere); its largest value is m - M
        np.add(score, low_off, out=b)
        np.subtract(score[i], b, out=b)
        if not (b[b.argmax()] >= tol):  # m - M < tol (or a set is empty): optimal
            return alpha, bias_term(alpha, score, y, C), n_iter, True
        # j: the largest decrease b²/a among the partners in I_low that decrease f (b > 0);
        # b is clipped at 0 elsewhere (outside I_low it is -∞), so those never win
        K_i = column(i)
        np.maximum(b, 0.0, out=b)
        np.add(diagonal[i], diagonal, out=a)
        a -= 2.0 * K_i
        np.maximum(a, TAU, out=a)  # a ≤ 0 (or below τ): τ
        decrease = b * b
        decrease /= a
        j = int(decrease.argmax())
        step = take_step(alpha, y, i, j, float(b[j] / a[j]), C)
        score -= step * (K_i - column(j))
        for t in (i, j):
            up_off[t], low_off[t] = set_offsets(alpha[t], y[t], C)
        n_iter += 1
    return alpha, bias_term(alpha, score, y, C), n_iter, False


def take_step(alpha: np.ndarray, y: np.ndarray, i: int, j: int, newton: float,
              C: float) -> float:
    """Move α_i by +y_i t and α_j by -y_j t with t the Newton step b_ij / a_ij cut at the box
    (a variable the cut takes to a bound is put on it exactly); returns t."""
    alpha_i, alpha_j = float(alpha[i]), float(alpha[j])
    up_i, up_j = y[i] > 0, y[j] > 0
    room_i = C - alpha_i if up_i else alpha_i
    room_j = alpha_j if up_j else C - alpha_j
    step = min(newton, room_i, room_j)
    alpha[i] = (C if up_i else 0.0) if step == room_i else alpha_i + (step if up_i else -step)
    alpha[j] = (0.0 if up_j else C) if step == room_j else alpha_j - (step if up_j else -step)
    return step


def set_offsets(alpha_t: float, y_t: float, C: float) -> tuple[float, float]:
    """Variable t's offsets: (0 in I_up, else -∞), (0 in I_low, else +∞)."""
    in_up = alpha_t < C if y_t > 0 else alpha_t > 0
    in_low = alpha_t > 0 if y_t > 0 else alpha_t < C
    return (0.0 if in_up else -np.inf), (0.0 if in_low else np.inf)


def bias_term(alpha: np.ndarray, score: np.ndarray, y: np.ndarray, C: float) -> float:
    """ρ: the average of y_t G_t = -s_t over the free variables; with none free, the
    middle of the interval the bounded ones leave for it (libsvm's rule)."""
    yG = -score
    free = (alpha > 0) & (alpha < C)
    if free.any():
        return float(yG[free].mean())
    at_upper, positive = alpha >= C, y > 0
    # only in I_up (at 0 with y = +1, at C with y = -1): ρ ≤ y_t G_t; only in I_low: ρ ≥ y_t G_t
    only_up = (at_upper & ~positive) | (~at_upper & positive)
    upper = yG[only_up].min() if only_up.any() else np.inf
    lower = yG[~only_up].max() if (~only_up).any() else -np.inf
    return float((upper + lower) / 2)
