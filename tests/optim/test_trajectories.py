"""Every optimizer follows PyTorch's update rule exactly, step after step.

Two oracles: a hand-written NumPy version of the formulas in PyTorch's
documentation (below, written independently of tinygrad_edu/optim), and
torch.optim itself. Two problems: a fixed quadratic and a small MLP. Everything
is float64, so the trajectories agree to rounding error; we ask for 1e-6.
"""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.testing import assert_close

STEPS = 20

# (optimizer name, hyperparameters): the same keywords for ours, torch and the oracle.
CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, betas=(0.85, 0.99), weight_decay=0.3)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.95, centered=True)),
    ("RMSprop", dict(lr=0.005, momentum=0.9, centered=True, weight_decay=0.01)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in hp.items())}" for name, hp in CONFIGS]


# ------------------------------------------------------------------ the NumPy oracle


def oracle_step(name, hp, theta, g, state, t):
    """One update of PyTorch's documented algorithm; returns the new theta. t = 1, 2, ..."""
    lr, wd = hp["lr"], hp.get("weight_decay", 0.01 if name == "AdamW" else 0.0)
    if name == "SGD":
        mu, tau = hp.get("momentum", 0.0), hp.get("dampening", 0.0)
        g = g + wd * theta
        if mu != 0:
            state["b"] = g if t == 1 else mu * state["b"] + (1 - tau) * g
            g = g + mu * state["b"] if hp.get("nesterov", False) else state["b"]
        return theta - lr * g
    if name in ("Adam", "AdamW"):
        b1, b2 = hp.get("betas", (0.9, 0.999))
        eps = hp.get("eps", 1e-8)
        if name == "AdamW":
            theta = theta - lr * wd * theta
        else:
            g = g + wd * theta
        state["m"] = b1 * state.get("m", 0) + (1 - b1) * g
        state["v"] = b2 * state.get("v", 0) + (1 - b2) * g**2
        m_hat = state["m"] / (1 - b1**t)
        v_hat = state["v"] / (1 - b2**t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    if name == "RMSprop":
        alpha, eps, mu = hp.get("alpha", 0.99), hp.get("eps", 1e-8), hp.get("momentum", 0.0)
        g = g + wd * theta
        state["v"] = alpha * state.get("v", 0) + (1 - alpha) * g**2
        v_tilde = state["v"]
        if hp.get("centered", False):
            state["g_ave"] = alpha * state.get("g_ave", 0) + (1 - alpha) * g
            v_tilde = v_tilde - state["g_ave"] ** 2
        if mu > 0:
            state["b"] = mu * state.get("b", 0) + g / (np.sqrt(v_tilde) + eps)
            return theta - lr * state["b"]
        return theta - lr * g / (np.sqrt(v_tilde) + eps)
    raise AssertionError(name)


def oracle_trajectory(name, hp, params, gradient):
    """Run the oracle on a list of arrays; `gradient(params)` gives their gradients."""
    params = [p.copy() for p in params]
    states = [{} for _ in params]
    trajectory = []
    for t in range(1, STEPS + 1):
        grads = gradient(params)
        params = [oracle_step(name, hp, p, g, s, t) for p, g, s in zip(params, grads, states)]
        trajectory.append([p.copy() for p in params])
    return trajectory


# ------------------------------------------------------------------ the problems


A = np.array([[3.0, 0.5, 0.2], [0.5, 2.0, -0.3], [0.2, -0.3, 1.0]])
B = np.array([1.0, -2.0, 0.5])
THETA0 = np.array([2.0, -1.0, 3.0])


def quadratic_loss(theta):
    """½ θᵀAθ - bᵀθ, with gradient Aθ - b."""
    return 0.5 * (theta @ (tg.Tensor(A, dtype=np.float64) @ theta)) - B @ theta


X = np.random.default_rng(0).normal(size=(8, 3))
Y = np.random.default_rng(1).normal(size=(8, 2))


def make_mlp():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5, dtype=np.float64), nn.Tanh(),
                         nn.Linear(5, 2, dtype=np.float64))


def mlp_gradient(params):
    """Backpropagation by hand for mean((tanh(X W1ᵀ + b1) W2ᵀ + b2 - Y)²)."""
    W1, b1, W2, b2 = params
    h = np.tanh(X @ W1.T + b1)
    out = h @ W2.T + b2
    d_out = 2 * (out - Y) / out.size
    d_pre = (d_out @ W2) * (1 - h**2)
    return [d_pre.T @ X, d_pre.sum(0), d_out.T @ h, d_out.sum(0)]


def our_trajectory(name, hp, params, loss_fn):
    optimizer = getattr(optim, name)(params, **hp)
    trajectory = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss_fn().backward()
        optimizer.step()
        trajectory.append([p.numpy().copy() for p in params])
    return trajectory


def torch_trajectory(torch, name, hp, params, loss_fn):
    optimizer = getattr(torch.optim, name)(params, **hp)
    trajectory = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss_fn().backward()
        optimizer.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


def assert_same_trajectory(actual, expected):
    assert len(actual) == len(expected) == STEPS
    for a, e in zip(actual, expected):
        for p, q in zip(a, e):
            assert_close(p, q, atol=1e-6, rtol=0)
    # The run moved: a trajectory that never leaves THETA0 would match trivially.
    assert not np.allclose(expected[-1][0], expected[0][0])


# ------------------------------------------------------------------ tests


@pytest.mark.parametrize(("name", "hp"), CONFIGS, ids=IDS)
def test_quadratic_matches_the_numpy_oracle(name, hp):
    theta = tg.Tensor(THETA0.copy(), dtype=np.float64, requires_grad=True)
    ours = our_trajectory(name, hp, [theta], lambda: quadratic_loss(theta))
    expected = oracle_trajectory(name, hp, [THETA0], lambda ps: [A @ ps[0] - B])
    assert_same_trajectory(ours, expected)


@pytest.mark.parametrize(("name", "hp"), CONFIGS, ids=IDS)
def test_mlp_matches_the_numpy_oracle(name, hp):
    model = make_mlp()
    params = list(model.parameters())
    start = [p.numpy().copy() for p in params]
    ours = our_trajectory(name, hp, params,
                          lambda: nn.MSELoss()(model(tg.Tensor(X, dtype=np.float64)), Y))
    assert_same_trajectory(ours, oracle_trajectory(name, hp, start, mlp_gradient))


@pytest.mark.parametrize(("name", "hp"), CONFIGS, ids=IDS)
def test_quadratic_matches_torch(name, hp):
    torch = pytest.importorskip("torch")
    theta = tg.Tensor(THETA0.copy(), dtype=np.float64, requires_grad=True)
    ours = our_trajectory(name, hp, [theta], lambda: quadratic_loss(theta))
    t_theta = torch.tensor(THETA0, requires_grad=True)
    t_A, t_B = torch.tensor(A), torch.tensor(B)
    theirs = torch_trajectory(torch, name, hp, [t_theta],
                              lambda: 0.5 * t_theta @ (t_A @ t_theta) - t_B @ t_theta)
    assert_same_trajectory(ours, theirs)


@pytest.mark.parametrize(("name", "hp"), CONFIGS, ids=IDS)
def test_mlp_matches_torch(name, hp):
    torch = pytest.importorskip("torch")
    model = make_mlp()
    reference = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(),
                                    torch.nn.Linear(5, 2)).double()
    reference.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    ours = our_trajectory(name, hp, list(model.parameters()),
                          lambda: nn.MSELoss()(model(tg.Tensor(X, dtype=np.float64)), Y))
    t_X, t_Y = torch.tensor(X), torch.tensor(Y)
    theirs = torch_trajectory(torch, name, hp, list(reference.parameters()),
                              lambda: torch.nn.functional.mse_loss(reference(t_X), t_Y))
    assert_same_trajectory(ours, theirs)


def test_float32_parameters_stay_float32_in_place():
    for name, hp in CONFIGS:
        w = tg.Tensor([1.0, -2.0], requires_grad=True)
        data = w.data
        optimizer = getattr(optim, name)([w], **hp)
        for _ in range(3):
            optimizer.zero_grad()
            (w * w).sum().backward()
            optimizer.step()
        assert w.data is data and w.dtype == np.float32, name
        assert all(v.dtype == np.float32 for v in optimizer.state[w].values()
                   if isinstance(v, np.ndarray)), name
