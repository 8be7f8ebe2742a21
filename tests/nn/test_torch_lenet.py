"""A trained LeNet-5 moves between tinygrad_edu and PyTorch through its state dict."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from benchmarks.lenet import build_tinygrad as ours
from benchmarks.lenet import build_torch as theirs
from tinygrad_edu import optim
from tinygrad_edu.testing import assert_close

torch = pytest.importorskip("torch")


def images(n, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, n)


def test_state_dict_keys_and_shapes_equal_torch():
    our_state, their_state = ours().state_dict(), theirs().state_dict()
    assert list(our_state) == list(their_state)
    for key in our_state:
        assert our_state[key].shape == tuple(their_state[key].shape), key


def test_a_trained_lenet_gives_torch_the_same_logits_and_back():
    tg.manual_seed(0)
    model = ours()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    X, y = images(32, seed=0)
    for _ in range(5):  # a few steps: weights far from their initial values
        optimizer.zero_grad()
        F.cross_entropy(model(tg.Tensor(X)), y).backward()
        optimizer.step()
    reference = theirs()
    reference.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    test_images, _ = images(16, seed=1)
    with tg.no_grad(), torch.no_grad():
        logits = model(tg.Tensor(test_images))
        expected = reference(torch.tensor(test_images)).numpy()
    assert_close(logits, expected, atol=1e-5, rtol=1e-5)
    back = ours()
    back.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    with tg.no_grad():
        assert_close(back(tg.Tensor(test_images)), expected, atol=1e-5, rtol=1e-5)


def test_float64_training_gives_torchs_batch_losses_to_rounding():
    """Same weights, data and Adam steps in float64: the losses agree to ~1e-16 per
    step, so the forward, every gradient and the optimizer compute what PyTorch's do
    (in float32 the two drift apart with rounding, see docs/performance.md)."""
    tg.manual_seed(0)
    model = ours().double()
    reference = theirs().double()
    reference.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    our_optimizer = optim.Adam(model.parameters(), lr=1e-3)
    their_optimizer = torch.optim.Adam(reference.parameters(), lr=1e-3)
    X, y = images(160, seed=2)
    X = X.astype(np.float64)
    for batch in range(10):
        rows = slice(16 * batch, 16 * batch + 16)
        our_optimizer.zero_grad()
        our_loss = F.cross_entropy(model(tg.Tensor(X[rows], dtype=np.float64)), y[rows])
        our_loss.backward()
        our_optimizer.step()
        their_optimizer.zero_grad()
        their_loss = torch.nn.functional.cross_entropy(reference(torch.tensor(X[rows])),
                                                       torch.tensor(y[rows]))
        their_loss.backward()
        their_optimizer.step()
        assert our_loss.item() == pytest.approx(their_loss.item(), rel=1e-12, abs=0), batch
