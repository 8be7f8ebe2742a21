"""Grad mode, anomaly mode and the module tag are per thread, as in PyTorch, and
per asyncio task."""

import asyncio
import threading

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import autograd, nn


def run_in_thread(function):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", function()))
    thread.start()
    thread.join()
    return result["value"]


def test_no_grad_in_one_thread_does_not_stop_another_from_recording():
    entered, leave = threading.Event(), threading.Event()

    def predict():
        with tg.no_grad():
            entered.set()
            leave.wait(5)

    other = threading.Thread(target=predict)
    other.start()
    entered.wait(5)
    w = tg.Tensor([1.0], requires_grad=True)
    assert tg.is_grad_enabled()
    assert (w * 2.0).requires_grad
    leave.set()
    other.join()


def test_overlapping_no_grad_blocks_in_two_threads_leave_grad_mode_on():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with tg.no_grad():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with tg.no_grad():
            second_in.set()
            first_out.wait(5)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert tg.is_grad_enabled()
    assert run_in_thread(tg.is_grad_enabled)


def test_each_new_thread_starts_in_the_default_modes():
    with tg.no_grad(), tg.detect_anomaly():
        assert run_in_thread(lambda: (tg.is_grad_enabled(), autograd._anomaly_detection.get())) \
            == (True, False)


def test_the_module_tag_belongs_to_the_thread_running_the_layer():
    inside, leave = threading.Event(), threading.Event()

    class Slow(nn.Module):
        def forward(self, x):
            inside.set()
            leave.wait(5)
            return x * 2.0

    other = threading.Thread(target=lambda: Slow()(tg.Tensor([1.0], requires_grad=True)))
    other.start()
    inside.wait(5)
    y = tg.Tensor([1.0], requires_grad=True) * 3.0
    leave.set()
    other.join()
    assert y._module is None


def test_training_and_predicting_at_once_in_two_threads_both_give_correct_results():
    tg.manual_seed(0)
    x = tg.randn(64, 3)
    target = x.data @ np.array([1.0, -2.0, 0.5], dtype=np.float32)
    model = nn.Linear(3, 1)
    frozen = nn.Linear(3, 1)
    expected = frozen.weight.data @ x.data.T
    stop = threading.Event()
    predictions = []

    def keep_predicting():
        while not stop.is_set():
            with tg.no_grad():
                predictions.append(frozen(x).data.ravel().copy())

    predictor = threading.Thread(target=keep_predicting)
    predictor.start()
    try:
        opt = tg.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(200):
            opt.zero_grad()
            loss = ((model(x).reshape(-1) - tg.Tensor(target)) ** 2).mean()
            loss.backward()  # raised "does not require grad" when the modes were shared
            opt.step()
    finally:
        stop.set()
        predictor.join()
    assert loss.item() < 1e-3
    for p in predictions:
        np.testing.assert_allclose(p, expected.ravel() + frozen.bias.data, rtol=1e-5)


def test_cross_val_score_with_joblibs_threading_backend_matches_sequential():
    joblib = pytest.importorskip("joblib")
    pytest.importorskip("sklearn")
    from sklearn.datasets import make_classification
    from sklearn.model_selection import cross_val_score

    from models import MLPClassifier

    X, y = make_classification(n_samples=240, n_features=6, random_state=0)
    model = MLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    sequential = cross_val_score(model, X, y, cv=4)
    with joblib.parallel_backend("threading"):
        threaded = cross_val_score(model, X, y, cv=4, n_jobs=2)
    assert not np.isnan(threaded).any()
    np.testing.assert_allclose(threaded, sequential)


def test_no_grad_in_one_asyncio_task_does_not_stop_another_from_recording():
    async def predict(entered, leave):
        with tg.no_grad():
            entered.set()
            await leave.wait()
            return tg.is_grad_enabled()

    async def train_while_the_other_predicts():
        entered, leave = asyncio.Event(), asyncio.Event()
        predicting = asyncio.create_task(predict(entered, leave))
        await entered.wait()
        recorded = (tg.Tensor([1.0], requires_grad=True) * 2.0).requires_grad
        leave.set()
        return recorded, await predicting

    assert asyncio.run(train_while_the_other_predicts()) == (True, False)
    assert tg.is_grad_enabled()
