"""L-BFGS: a quasi-Newton method that learns the curvature from its last steps.

PyTorch's `torch.optim.LBFGS`, the same interface and the same algorithm (so the
same iterates): one `step(closure)` runs up to `max_iter` iterations, and the
closure re-evaluates the loss and its gradient as often as the method needs them.

    optimizer = optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        return loss

    optimizer.step(closure)

One iteration at the point θ with gradient g:

1. **direction** d = -H g, where H approximates the inverse Hessian from the last m
   steps s_i = θ_{i+1} - θ_i and gradient changes y_i = g_{i+1} - g_i
   (`two_loop_direction`; the first iteration takes d = -g);
2. **step length** t: the fixed `lr`, or, with line_search_fn="strong_wolfe", a t that
   decreases the loss enough and flattens its slope along d (`strong_wolfe`);
3. θ ← θ + t d, then remember (s, y) if yᵀs > 0 (the curvature along s is positive),
   forgetting the oldest pair once there are `history_size`.

It stops when the largest gradient entry is at most `tolerance_grad`, or a step or
the change of the loss is below `tolerance_change`, or after `max_iter` iterations
or `max_eval` evaluations of the closure. The derivation of both parts is in the
documentation's L-BFGS page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu.autograd import enable_grad
from tinygrad_edu.optim.optimizer import Optimizer, ParamsArgument
from tinygrad_edu.tensor import Tensor

LINE_SEARCHES = (None, "strong_wolfe")
# (s, y) pairs with yᵀs below this are not remembered: they would make H indefinite.
MIN_CURVATURE = 1e-10


def two_loop_direction(grad: np.ndarray, steps: list[np.ndarray], changes: list[np.ndarray],
                       rhos: list[Any], h_diag: Any) -> np.ndarray:
    """d = -H g, H the L-BFGS inverse-Hessian estimate, by the two-loop recursion.

    H is what m BFGS updates make of γ I (γ = `h_diag`), using the pairs
    (s_i, y_i), oldest first, with ρ_i = 1 / (y_iᵀ s_i):

        q ← -g;          for i = newest … oldest:  α_i = ρ_i s_iᵀ q,  q ← q - α_i y_i
        r ← γ q;         for i = oldest … newest:  β_i = ρ_i y_iᵀ r,  r ← r + (α_i - β_i) s_i

    and d = r. Two passes over the pairs, O(m n), without ever forming the n × n H.
    """
    q = -grad
    alphas = [0.0] * len(steps)
    for i in reversed(range(len(steps))):
        alphas[i] = (steps[i] @ q) * rhos[i]
        q -= alphas[i] * changes[i]
    r = q * h_diag
    for i in range(len(steps)):
        beta = (changes[i] @ r) * rhos[i]
        r += (alphas[i] - beta) * steps[i]
    return r


def cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                      bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clipped
    to `bounds` (by default [min(x1, x2), max(x1, x2)]); their middle if the cubic has none.

        d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2),   d2 = √(d1² - g1 g2),
        x* = x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2)     (for x1 ≤ x2)
    """
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = g1 + g2 - 3 * (f1 - f2) / np.float64(x1 - x2)
        d2_square = d1**2 - g1 * g2
        if d2_square < 0:
            return (low + high) / 2.0
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            minimum = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            minimum = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(minimum, low), high)


class Trial(NamedTuple):
    """A point of the line search: step t, loss f, gradient g, slope gtd = gᵀd along d."""

    t: float
    f: float
    g: np.ndarray
    gtd: Any


def strong_wolfe(evaluate: Callable[[float], tuple[float, np.ndarray]], t: float,
                 d: np.ndarray, f: float, g: np.ndarray, gtd: Any, c1: float = 1e-4,
                 c2: float = 0.9, tolerance_change: float = 1e-9,
                 max_ls: int = 25) -> tuple[float, np.ndarray, float, int]:
    """A step t along d that satisfies the strong Wolfe conditions (PyTorch's, from minFunc):

        f(θ + t d) ≤ f(θ) + c1 t gᵀd            (sufficient decrease, "Armijo")
        |∇f(θ + t d)ᵀd| ≤ c2 |gᵀd|               (the slope has flattened: curvature)

    `evaluate(t)` gives (loss, gradient) at θ + t d. Phase 1 (bracketing) tries longer
    steps, each by cubic interpolation between the last two, until one satisfies both
    conditions or an interval is known to hold such a step (the loss went up, or the
    slope turned non-negative). Phase 2 (zoom) shrinks that interval by cubic
    interpolation until a trial satisfies both. At most `max_ls` evaluations after the
    first. Returns (loss, gradient, t, evaluations) at the best step found.
    """
    d_norm = np.abs(d).max()
    start = Trial(0, f, g, gtd)

    def trial(step: float) -> Trial:
        loss, grad = evaluate(step)
        return Trial(step, loss, grad, grad @ d)

    new, evals, ls_iter = trial(t), 1, 0
    previous, done, bracket = start, False, None
    # Phase 1: bracketing.
    while ls_iter < max_ls:
        if new.f > f + c1 * new.t * gtd or (ls_iter > 1 and new.f >= previous.f):
            bracket = [previous, new]
            break
        if abs(new.gtd) <= -c2 * gtd:
            bracket, done = [new], True
            break
        if new.gtd >= 0:
            bracket = [previous, new]
            break
        step = cubic_interpolate(previous.t, previous.f, previous.gtd, new.t, new.f, new.gtd,
                                 bounds=(new.t + 0.01 * (new.t - previous.t), new.t * 10))
        previous, new = new, trial(step)
        evals, ls_iter = evals + 1, ls_iter + 1
    if ls_iter == max_ls:
        bracket = [start, new]

    # Phase 2: zoom. bracket[low] is the lower of the two ends.
    insufficient_progress = False
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change:
            break  # the interval is too small to matter
        a, b = bracket
        step = cubic_interpolate(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        top, bottom = max(a.t, b.t), min(a.t, b.t)
        margin = 0.1 * (top - bottom)
        if min(top - step, step - bottom) < margin:
            # Too close to an end: if the last trial was too, or it is on the end, move
            # it a tenth of the interval inside.
            if insufficient_progress or step >= top or step <= bottom:
                step = top - margin if abs(step - top) < abs(step - bottom) else bottom + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        new = trial(step)
        evals, ls_iter = evals + 1, ls_iter + 1
        if new.f > f + c1 * new.t * gtd or new.f >= bracket[low].f:
            bracket[high] = new  # not low enough: it becomes the high end
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if abs(new.gtd) <= -c2 * gtd:
                done = True
            elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]  # the minimum lies on the low end's other side
            bracket[low] = new
    best = bracket[low]
    return best.f, best.g, best.t, evals


class LBFGS(Optimizer):
    """PyTorch's L-BFGS (see the module docstring). One parameter group only; its state (the
    direction, the step, the (s, y) history, ...) is kept under the first parameter, as
    flat vectors of all the parameters.

    lr               the step length without a line search, the first trial with one
    max_iter         iterations per `step(closure)`
    max_eval         closure evaluations per `step` (default max_iter · 5/4)
    tolerance_grad   stop when max |g_i| ≤ this
    tolerance_change stop when max |t d_i| or the change of the loss is below this
    history_size     the number m of (s, y) pairs remembered
    line_search_fn   None (fixed step lr) or "strong_wolfe"
    """

    def __init__(self, params: ParamsArgument, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, group: dict[str, Any]) -> None:
        self._require(not self.param_groups,
                      "doesn't support per-parameter options (parameter groups)")
        super().add_param_group(group)

    def check_group(self, group: dict[str, Any]) -> None:
        self._require_nonnegative(group, "lr", "tolerance_grad", "tolerance_change")
        for name in ("max_iter", "max_eval", "history_size"):
            value = group[name]
            self._require(isinstance(value, (int, np.integer)) and value >= 1,
                          f"invalid {name} {value!r} (must be an int >= 1)")
        self._require(group["line_search_fn"] in LINE_SEARCHES,
                      f"line_search_fn must be one of {LINE_SEARCHES}, "
                      f"got {group['line_search_fn']!r}")

    # ------------------------------------------------ the parameters as one flat vector

    def _flat_grad(self) -> np.ndarray:
        """Every parameter's gradient, flattened and concatenated (zeros where there is none)."""
        return np.concatenate([p.grad.data.ravel() if p.grad is not None
                               else np.zeros(p.size, p.dtype) for p in self._params])

    def _move(self, t: float, d: np.ndarray) -> None:
        """θ ← θ + t d, in place (each parameter's version counts the change)."""
        offset, step = 0, t * d
        for p in self._params:
            p.data += step[offset:offset + p.size].reshape(p.shape)
            p._count_in_place_change()
            offset += p.size

    def _restore(self, saved: list[np.ndarray]) -> None:
        for p, data in zip(self._params, saved):
            p.data[...] = data
            p._count_in_place_change()

    def _evaluate(self, closure: Callable[[], Tensor]) -> tuple[Tensor, np.ndarray]:
        with enable_grad():
            loss = closure()
        return loss, self._flat_grad()

    def _evaluate_along(self, closure: Callable[[], Tensor], start: list[np.ndarray], t: float,
                        d: np.ndarray) -> tuple[float, np.ndarray]:
        """(loss, gradient) at start + t d; the parameters are put back at start afterwards."""
        self._move(t, d)
        loss, grad = self._evaluate(closure)
        self._restore(start)
        return float(loss), grad

    # ------------------------------------------------------------------ the step

    def step(self, closure: Callable[[], Tensor]) -> Tensor:  # type: ignore[override]
        """Run up to max_iter iterations; returns the closure's first loss (before any move)."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        first_loss, flat_grad = self._evaluate(closure)
        loss = float(first_loss)
        current_evals = 1
        state["func_evals"] += 1
        if np.abs(flat_grad).max() <= tolerance_grad:
            return first_loss  # already optimal
        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps = state.get("old_dirs"), state.get("old_stps")
        ro, h_diag = state.get("ro"), state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            # 1. the direction
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -flat_grad, [], [], [], 1
            else:
                y, s = flat_grad - prev_flat_grad, d * t
                ys = y @ s
                if ys > MIN_CURVATURE:  # remember the pair (new lists: saved states stay put)
                    drop = 1 if len(old_dirs) == group["history_size"] else 0
                    old_dirs, old_stps = [*old_dirs[drop:], y], [*old_stps[drop:], s]
                    ro = [*ro[drop:], 1.0 / ys]
                    h_diag = ys / (y @ y)  # γ = yᵀs / yᵀy, the scale of H's first guess
                d = two_loop_direction(flat_grad, old_stps, old_dirs, ro, h_diag)
            prev_flat_grad, prev_loss = flat_grad, loss
            # 2. the step length (the first step is at most 1 in the 1-norm of g)
            first = state["n_iter"] == 1
            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if first else lr
            gtd = flat_grad @ d
            if gtd > -tolerance_change:
                break  # d is no longer a descent direction
            ls_func_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                start = [p.data.copy() for p in self._params]
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    lambda step, start=start, d=d: self._evaluate_along(closure, start, step, d),
                    t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._move(t, d)
            else:
                self._move(t, d)
                if n_iter != max_iter:  # the last iteration's loss is the next step's job
                    new_loss, flat_grad = self._evaluate(closure)
                    loss, ls_func_evals = float(new_loss), 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            # 3. stop?
            if (n_iter == max_iter or current_evals >= max_eval
                    or np.abs(flat_grad).max() <= tolerance_grad
                    or np.abs(d * t).max() <= tolerance_change
                    or abs(loss - prev_loss) < tolerance_change):
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return first_loss

    # ------------------------------------------------------------------ state dict

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As `Optimizer.load_state_dict`; the state's vectors span all the parameters, so
        their length is checked against the parameter count instead of a shape."""
        total = sum(p.size for p in self._params)
        saved = {k: list(v) if isinstance(v, list) else v
                 for k, v in state_dict["state"].get(0, {}).items()}
        for key in ("d", "prev_flat_grad", "old_dirs", "old_stps"):
            vectors = saved.get(key)
            vectors = vectors if isinstance(vectors, list) else [] if vectors is None else [vectors]
            for vector in vectors:
                if np.shape(vector) != (total,):
                    raise ValueError(f"{self.name}.load_state_dict: state {key!r} has shape "
                                     f"{np.shape(vector)}, the parameters have {total} entries")
        super().load_state_dict({**state_dict, "state": {}})
        self.state = {self._params[0]: saved} if saved else {}
