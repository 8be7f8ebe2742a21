"""optim.LBFGS follows torch.optim.LBFGS iterate for iterate, with and without the strong
Wolfe line search, on a logistic regression and a small MLP (float64, so the trajectories
agree to rounding error). And its own pieces: the two-loop recursion is H g for the
BFGS matrix H, the line search's step satisfies the strong Wolfe conditions."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import nn, optim
from tinygrad_edu.optim.lbfgs import strong_wolfe, two_loop_direction
from tinygrad_edu.testing import assert_close

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 5))
LABELS = (X @ [1.0, -2.0, 0.5, 0.0, 1.5] + RNG.normal(size=40) > 0).astype(np.float64)
Y = RNG.normal(size=(40, 2))
STEPS = 4

CONFIGS = [
    dict(lr=1, max_iter=5, line_search_fn="strong_wolfe"),
    dict(lr=1, max_iter=6, history_size=3, line_search_fn="strong_wolfe"),
    dict(lr=0.5, max_iter=3, max_eval=4, line_search_fn="strong_wolfe"),
    dict(lr=0.2, max_iter=5),
    dict(lr=0.1, max_iter=4, history_size=2),
]
IDS = ["wolfe", "wolfe-history-3", "wolfe-max-eval-4", "fixed-0.2", "fixed-history-2"]


def logistic_loss(w, b, module=F):
    """Mean binary cross-entropy of X w + b, plus 0.01 ‖w‖² (same formula for both libraries)."""
    z = X_of(w) @ w + b
    return module.binary_cross_entropy_with_logits(z, target_of(w)) + 0.01 * (w * w).sum()


def X_of(w):
    return tg.Tensor(X, dtype=np.float64) if isinstance(w, tg.Tensor) else _torch().tensor(X)


def target_of(w):
    return (tg.Tensor(LABELS, dtype=np.float64) if isinstance(w, tg.Tensor)
            else _torch().tensor(LABELS))


def _torch():
    import torch
    return torch


def run(optimizer, params, loss_fn):
    """STEPS calls of step(closure): the parameters after each, and every closure loss."""
    losses, iterates = [], []

    def closure():
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        losses.append(float(loss.detach()))
        return loss

    for _ in range(STEPS):
        optimizer.step(closure)
        iterates.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(losses), np.array(iterates)


def assert_same_run(ours, theirs):
    (our_losses, our_iterates), (their_losses, their_iterates) = ours, theirs
    assert our_losses.shape == their_losses.shape, "the same number of closure evaluations"
    assert_close(our_losses, their_losses, atol=1e-9, rtol=0)
    assert_close(our_iterates, their_iterates, atol=1e-7, rtol=0)
    assert their_losses[-1] < 0.8 * their_losses[0], "the runs moved"


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_logistic_regression_matches_torch(config):
    torch = pytest.importorskip("torch")
    w = tg.Tensor(np.zeros(5), dtype=np.float64, requires_grad=True)
    b = tg.Tensor(np.zeros(()), dtype=np.float64, requires_grad=True)
    t_w = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    t_b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    ours = run(optim.LBFGS([w, b], **config), [w, b], lambda: logistic_loss(w, b))
    theirs = run(torch.optim.LBFGS([t_w, t_b], **config), [t_w, t_b],
                 lambda: logistic_loss(t_w, t_b, torch.nn.functional))
    assert_same_run(ours, theirs)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_mlp_matches_torch(config):
    torch = pytest.importorskip("torch")
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8, dtype=np.float64), nn.Tanh(),
                          nn.Linear(8, 2, dtype=np.float64))
    reference = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(),
                                    torch.nn.Linear(8, 2)).double()
    reference.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    params = list(model.parameters())
    ours = run(optim.LBFGS(params, **config), params,
               lambda: nn.MSELoss()(model(tg.Tensor(X, dtype=np.float64)), Y))
    t_X, t_Y = torch.tensor(X), torch.tensor(Y)
    theirs = run(torch.optim.LBFGS(reference.parameters(), **config),
                 list(reference.parameters()),
                 lambda: torch.nn.functional.mse_loss(reference(t_X), t_Y))
    assert_same_run(ours, theirs)


def test_converges_on_a_quadratic():
    """On a strictly convex quadratic, L-BFGS with the Wolfe search reaches the minimiser
    A⁻¹c in a few iterations (it stops when the loss changes by less than 1e-15: there the
    gradient is ~1e-9, the error ~1e-9)."""
    A = np.array([[3.0, 0.5, 0.2], [0.5, 2.0, -0.3], [0.2, -0.3, 1.0]])
    c = np.array([1.0, -2.0, 0.5])
    theta = tg.Tensor(np.array([2.0, -1.0, 3.0]), dtype=np.float64, requires_grad=True)
    optimizer = optim.LBFGS([theta], max_iter=50, tolerance_grad=1e-10, tolerance_change=1e-15,
                            line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = 0.5 * (theta @ (tg.Tensor(A, dtype=np.float64) @ theta)) - c @ theta
        loss.backward()
        return loss

    optimizer.step(closure)
    assert_close(theta.numpy(), np.linalg.solve(A, c), atol=1e-8, rtol=0)
    assert optimizer.state[theta]["n_iter"] <= 10


def test_two_loop_recursion_is_the_bfgs_inverse_hessian_times_the_gradient():
    """H_{k+1} = (I - ρ s yᵀ) H_k (I - ρ y sᵀ) + ρ s sᵀ from H_0 = γ I, applied to g."""
    rng = np.random.default_rng(1)
    n, m = 6, 4
    M = rng.normal(size=(n, n))
    A = M @ M.T + n * np.eye(n)  # y = A s: positive curvature
    steps = [rng.normal(size=n) for _ in range(m)]
    changes = [A @ s for s in steps]
    rhos = [1.0 / (y @ s) for s, y in zip(steps, changes)]
    gamma = 0.3
    H = gamma * np.eye(n)
    for s, y, rho in zip(steps, changes, rhos):
        H = (np.eye(n) - rho * np.outer(s, y)) @ H @ (np.eye(n) - rho * np.outer(y, s)) \
            + rho * np.outer(s, s)
    g = rng.normal(size=n)
    assert_close(two_loop_direction(g, steps, changes, rhos, gamma), -H @ g, atol=1e-12, rtol=0)


@pytest.mark.parametrize("t", [1e-3, 1.0, 50.0], ids=["short", "unit", "long"])
def test_strong_wolfe_step_satisfies_both_conditions(t):
    """f(x) = Σ log cosh(x_i - a_i) + ½ x·x from x = 0 along d = -∇f: the step found
    decreases f by at least c1 t gᵀd and flattens the slope to |g(t)ᵀd| ≤ c2 |gᵀd|."""
    a = np.array([3.0, -1.0, 0.5])

    def f_and_grad(x):
        return float(np.sum(np.log(np.cosh(x - a))) + 0.5 * x @ x), np.tanh(x - a) + x

    x = np.zeros(3)
    f, g = f_and_grad(x)
    d = -g
    f_new, g_new, step, evals = strong_wolfe(lambda s: f_and_grad(x + s * d), t, d, f, g, g @ d)
    assert f_new <= f + 1e-4 * step * (g @ d)
    assert abs(g_new @ d) <= 0.9 * abs(g @ d)
    assert (f_new, list(g_new)) == (f_and_grad(x + step * d)[0], list(f_and_grad(x + step * d)[1]))
    assert 1 <= evals <= 25


def test_state_dict_round_trip_continues_the_same_trajectory():
    def make(start):
        w = tg.Tensor(start.copy(), dtype=np.float64, requires_grad=True)
        b = tg.Tensor(np.zeros(()), dtype=np.float64, requires_grad=True)
        return w, b

    w1, b1 = make(np.zeros(5))
    first = optim.LBFGS([w1, b1], max_iter=3, line_search_fn="strong_wolfe")
    run(first, [w1, b1], lambda: logistic_loss(w1, b1))
    saved = first.state_dict()
    halfway = w1.numpy().copy(), b1.numpy().copy()
    run(first, [w1, b1], lambda: logistic_loss(w1, b1))

    w2, b2 = make(halfway[0])
    b2.data[...] = halfway[1]
    second = optim.LBFGS([w2, b2], max_iter=20)  # hyperparameters come from the saved state
    second.load_state_dict(saved)
    assert second.param_groups[0]["max_iter"] == 3
    run(second, [w2, b2], lambda: logistic_loss(w2, b2))
    np.testing.assert_array_equal(w2.numpy(), w1.numpy())


def test_load_state_dict_checks_the_vector_lengths():
    w = tg.Tensor(np.zeros(5), dtype=np.float64, requires_grad=True)
    optimizer = optim.LBFGS([w])
    bad = {"state": {0: {"d": np.zeros(4)}}, "param_groups": optimizer.state_dict()["param_groups"]}
    with pytest.raises(ValueError, match=r"LBFGS.load_state_dict: state 'd' has shape \(4,\), "
                                         r"the parameters have 5 entries"):
        optimizer.load_state_dict(bad)
    assert optimizer.state == {}


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(lr=-1.0), "LBFGS: invalid lr -1.0"),
    (dict(max_iter=0), "LBFGS: invalid max_iter 0"),
    (dict(history_size=0), "LBFGS: invalid history_size 0"),
    (dict(line_search_fn="backtracking"), "LBFGS: line_search_fn must be one of"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        optim.LBFGS([tg.Tensor([1.0], requires_grad=True)], **kwargs)


def test_one_parameter_group_only():
    a, b = (tg.Tensor([1.0], requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match="LBFGS: doesn't support per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
