"""State dicts move between tinygrad_edu and the equivalent torch.nn.Sequential."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.testing import assert_close

torch = pytest.importorskip("torch")


def ours():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Dropout(0.1),
                         nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 3))


def theirs():
    t = torch.nn
    return t.Sequential(t.Linear(6, 8), t.ReLU(), t.BatchNorm1d(8), t.Dropout(0.1),
                        t.Linear(8, 4), t.Tanh(), t.Linear(4, 3))


def to_torch(state):
    return {key: torch.tensor(value.numpy()) for key, value in state.items()}


def test_keys_order_and_shapes_equal_torch():
    our_state, their_state = ours().state_dict(), theirs().state_dict()
    assert list(our_state) == list(their_state)
    for key in our_state:
        assert our_state[key].shape == tuple(their_state[key].shape), key
    assert [n for n, _ in ours().named_parameters()] == [n for n, _ in theirs().named_parameters()]


def test_a_model_loaded_into_torch_predicts_the_same_in_eval_and_train():
    model = ours()
    x = np.random.default_rng(1).normal(size=(16, 6)).astype(np.float32)
    model(tg.Tensor(x))  # one training step of BatchNorm: non-trivial running stats
    reference = theirs()
    reference.load_state_dict(to_torch(model.state_dict()))
    model.eval()
    reference.eval()
    with torch.no_grad():
        expected = reference(torch.tensor(x)).numpy()
    assert_close(model(tg.Tensor(x)), expected, atol=1e-6)
    # Training mode (dropout off to compare): batch statistics and running-stat updates match.
    for module in (model[3], reference[3]):
        module.p = 0.0
    model.train()
    reference.train()
    out = model(tg.Tensor(x)).numpy()
    with torch.no_grad():
        expected = reference(torch.tensor(x)).numpy()
    assert_close(out, expected, atol=1e-6)
    for key, value in reference.state_dict().items():
        assert_close(model.state_dict()[key], value.numpy(), atol=1e-6)


def test_a_torch_state_dict_loads_here():
    reference = theirs()
    model = ours()
    model.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    x = np.random.default_rng(2).normal(size=(5, 6)).astype(np.float32)
    model.eval()
    reference.eval()
    with torch.no_grad():
        expected = reference(torch.tensor(x)).numpy()
    assert_close(model(tg.Tensor(x)), expected, atol=1e-6)
