"""Newton-CG: Newton's method on a linear model's primal, with preconditioned
conjugate-gradient steps and a backtracking line search (liblinear's primal solver).

**The problem.** Rows x_i of X (n, p) (a last column of ones carries the intercept),
targets y_i, scores z = X θ, and an elementwise loss ℓ(z, y) with a first and a
(generalised) second derivative ℓ', ℓ''. Minimise

    J(θ) = (1/n) Σ_i ℓ(z_i, y_i) + (λ/2) Σ_j r_j θ_j²

(r_j = 1 for a penalised coordinate, 0 for the intercept). Its derivatives:

    gradient         g = (1/n) X_Iᵀ ℓ'_I + λ r ⊙ θ
    Hessian × v      H v = (1/n) X_Iᵀ (ℓ''_I ⊙ X_I v) + λ r ⊙ v

where I are the rows with ℓ' ≠ 0 or ℓ'' ≠ 0 (the other rows add nothing to either). For
LinearSVC's squared hinge ℓ = max(0, 1 - y z)², ℓ' = -2y max(0, 1 - y z) and
ℓ'' = 2 [y z < 1]: ℓ' has a kink at y z = 1, so ℓ'' is the *generalised* second derivative
(Mangasarian, 2002), I the rows inside the margin, and H = (2/n) X_Iᵀ X_I + λ diag(r):
liblinear's I + 2C X_Iᵀ X_I divided by C n. H is never formed; CG only needs H v, two
matrix-vector products over the rows I. Those are few near the solution (3-19 % of the
MNIST digits for each one-vs-rest class), which is why several classes are solved one
column at a time, each on its own rows, rather than as one matrix product over all the
rows for all the columns (on 10,000 digits, the ten columns' H v over their own rows took
1/4.5 of the time of one product over all the rows).

**One Newton iteration** (Hsia, Chiang & Lin, 2018: liblinear's `newton.cpp` since 2.40;
the liblinear bundled with scikit-learn runs the older TRON, a trust region instead of the
line search, without preconditioning, and the same stopping rule):

1. *Direction.* Solve H s = -g approximately by conjugate gradients from s = 0,
   preconditioned by the diagonal M = (1 - a) λ r + a diag(H), a = 0.01 (an entry that
   is 0, an unpenalised coordinate no row of I uses, is replaced by 1):

       r ← -g,  d ← M⁻¹r;  repeat:  α = rᵀM⁻¹r / dᵀHd,  s ← s + α d,  r ← r - α H d,
                                    d ← M⁻¹r + (new rᵀM⁻¹r / old rᵀM⁻¹r) d

   Each step lowers the quadratic model Q(s) = gᵀs + ½ sᵀHs = -½ sᵀ(r - g) (so s is a
   descent direction); CG stops when the j-th step's share of the decrease is small,
   j (Q_j - Q_{j-1}) ≥ cgtol Q_j with cgtol = min(0.5, √‖g‖_M⁻¹) (Nash & Sofer's rule), or
   when dᵀHd = 0 (H singular), or after p steps.
2. *Step.* Backtrack t = 1, ½, ¼, ... until J(θ + t s) ≤ J(θ) + η t gᵀs (Armijo,
   η = 0.01). The scores move along a line, z + t X s, so X s is computed once and each
   trial costs O(n), not a matrix product.

**Stopping rule** (liblinear's): ‖g(θ)‖ ≤ rtol ‖g(θ_0)‖, relative to the gradient at the
start θ_0 = 0; liblinear's classifiers use rtol = tol · max(min(#positive, #negative), 1) / n.
Newton converges in a few dozen iterations (locally superlinearly), where L-BFGS needs
hundreds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ARMIJO = 0.01          # η: the least fraction of the predicted decrease a step must deliver
MAX_HALVINGS = 20      # a step that cannot be cut to a decrease in 20 halvings ends the solve
CG_TOLERANCE = 0.5     # the largest cgtol of the CG stopping rule
MIX = 0.01             # a: how much of diag(H) goes into the preconditioner

Loss = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
"""ℓ(z, y) → (ℓ, ℓ', ℓ''), each elementwise, of the shape of z."""


@dataclass
class NewtonResult:
    """θ ((p,), or (p, K) for K columns), the Newton iterations run, J at the start (θ = 0)
    and after each iteration, and whether ‖g‖ fell below its tolerance."""

    theta: np.ndarray
    n_iter: int
    objectives: list[float]
    converged: bool


@dataclass
class Problem:
    """What J is made of: the rows X (n, p), the targets y (n,), the loss, λ and the
    penalty mask r (p,)."""

    X: np.ndarray
    y: np.ndarray
    loss: Loss
    l2_strength: float
    penalised: np.ndarray

    def objective(self, theta: np.ndarray, z: np.ndarray) -> float:
        """J(θ), given the scores z = X θ."""
        penalty = 0.5 * self.l2_strength * float(self.penalised @ theta**2)
        return float(self.loss(z, self.y)[0].mean()) + penalty


@dataclass
class QuadraticModel:
    """J(θ + s) ≈ J(θ) + gᵀs + ½ sᵀHs at one θ. g and H v need only the rows I where ℓ' or
    ℓ'' is not 0 (the rows inside the margin, for the squared hinge): they are gathered
    once here, and every CG step reads them alone."""

    problem: Problem
    gradient: np.ndarray
    rows: np.ndarray
    weights: np.ndarray

    @classmethod
    def at(cls, problem: Problem, theta: np.ndarray, z: np.ndarray) -> QuadraticModel:
        """The model at θ with scores z = X θ: g = (1/n) X_Iᵀ ℓ'_I + λ r ⊙ θ, X_I and ℓ''_I."""
        _, first, second = problem.loss(z, problem.y)
        used = (first != 0) | (second != 0)
        rows = problem.X if used.all() else problem.X[used]  # no copy while I is every row
        gradient = (rows.T @ first[used] / len(problem.X)
                    + problem.l2_strength * problem.penalised * theta)
        return cls(problem, gradient, rows, second[used])

    def hessian_times(self, v: np.ndarray) -> np.ndarray:
        """H v = (1/n) X_Iᵀ (ℓ''_I ⊙ X_I v) + λ r ⊙ v."""
        p = self.problem
        return (self.rows.T @ (self.weights * (self.rows @ v)) / len(p.X)
                + p.l2_strength * p.penalised * v)

    def preconditioner(self) -> np.ndarray:
        """M = (1 - a) λ r + a diag(H), diag(H) = (1/n) Σ_I ℓ''_i x_i² + λ r; 1 where M = 0."""
        p = self.problem
        diagonal = (np.einsum("ij,ij,i->j", self.rows, self.rows, self.weights) / len(p.X)
                    + p.l2_strength * p.penalised)
        M = (1 - MIX) * p.l2_strength * p.penalised + MIX * diagonal
        return np.where(M > 0, M, 1.0)


def newton_cg(problem: Problem, rtol: float, max_iter: int) -> NewtonResult:
    """Minimise J from θ = 0 until ‖g‖ ≤ rtol ‖g(0)‖, max_iter iterations or a line search
    that finds no decrease."""
    theta = np.zeros(problem.X.shape[1])
    z = np.zeros(len(problem.X))
    model = QuadraticModel.at(problem, theta, z)
    objective = problem.objective(theta, z)
    tolerance = rtol * np.linalg.norm(model.gradient)
    objectives = [objective]
    n_iter = 0
    while np.linalg.norm(model.gradient) > tolerance and n_iter < max_iter:
        n_iter += 1
        step = conjugate_gradient(model)
        moved = problem.X @ step
        t, objective = line_search(problem, theta, z, step, moved, model.gradient, objective)
        if t == 0:
            break
        theta += t * step
        z += t * moved
        model = QuadraticModel.at(problem, theta, z)
        objectives.append(objective)
    converged = bool(np.linalg.norm(model.gradient) <= tolerance)
    return NewtonResult(theta, n_iter, objectives, converged)


def newton_cg_columns(X: np.ndarray, Y: np.ndarray, loss: Loss, l2_strength: float,
                      penalised: np.ndarray, rtol: np.ndarray, max_iter: int) -> NewtonResult:
    """One `newton_cg` per column of the targets Y (n, K), sharing no parameter (one-vs-rest):
    θ (p, K), the most iterations any column ran, J = Σ_k J_k after each (a column that
    finished early keeps its last value), and whether every column converged."""
    results = [newton_cg(Problem(X, Y[:, k], loss, l2_strength, penalised), rtol[k], max_iter)
               for k in range(Y.shape[1])]
    n_iter = max(r.n_iter for r in results)
    objectives = [sum(r.objectives[min(i, len(r.objectives) - 1)] for r in results)
                  for i in range(n_iter + 1)]
    return NewtonResult(np.column_stack([r.theta for r in results]), n_iter, objectives,
                        all(r.converged for r in results))


def conjugate_gradient(model: QuadraticModel) -> np.ndarray:
    """s ≈ -H⁻¹ g by preconditioned CG from s = 0, stopped by Nash & Sofer's rule."""
    M = model.preconditioner()
    gradient = model.gradient
    step = np.zeros_like(gradient)
    residual = -gradient
    direction = residual / M
    inner = float(residual @ direction)
    cgtol = min(CG_TOLERANCE, np.sqrt(np.sqrt(inner)))
    value = 0.0  # Q(s) at s = 0
    for j in range(1, len(gradient) + 1):
        product = model.hessian_times(direction)
        curvature = float(direction @ product)
        if curvature <= 0:  # only where H is singular (λ = 0): no curvature to use
            break
        alpha = inner / curvature
        step += alpha * direction
        residual -= alpha * product
        new_value = -0.5 * float(step @ (residual - gradient))
        if j * (new_value - value) >= cgtol * new_value:
            break
        value = new_value
        preconditioned = residual / M
        new_inner = float(residual @ preconditioned)
        direction = preconditioned + (new_inner / inner) * direction
        inner = new_inner
    return step


def line_search(problem: Problem, theta: np.ndarray, z: np.ndarray, step: np.ndarray,
                moved: np.ndarray, gradient: np.ndarray, objective: float) -> tuple[float, float]:
    """(t, J(θ + t s)) for the first t of 1, ½, ¼, ... with Armijo's decrease
    J(θ + t s) ≤ J(θ) + η t gᵀs, the scores moving to z + t X s (`moved` = X s);
    (0, J(θ)) when MAX_HALVINGS halvings find none."""
    slope = float(gradient @ step)
    t = 1.0
    for _ in range(MAX_HALVINGS):
        trial = problem.objective(theta + t * step, z + t * moved)
        if trial <= objective + ARMIJO * t * slope:
            return t, trial
        t *= 0.5
    return 0.0, objective
