"""fit, evaluate, accuracy, EarlyStopping: behaviour, real-data accuracy, flat memory."""

import gc
import tracemalloc

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.autograd import is_grad_enabled
from tinygrad_edu.data import DataLoader, StandardScaler, TensorDataset, train_test_split
from tinygrad_edu.data.datasets import load_mnist
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.train import EarlyStopping, History, accuracy, evaluate, fit


def blobs(n=200, seed=0):
    """Two well separated classes in 2-D."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2)) + 3.0 * np.stack([y, y], axis=1)
    return X.astype(np.float32), y.astype(np.int64)


def loaders(X, y, batch_size=20):
    train = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True, seed=0)
    val = DataLoader(TensorDataset(X, y), batch_size=100)
    return train, val


class Spy(nn.Module):
    """Wraps a model and records (training, grad enabled) at every forward call."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, is_grad_enabled()))
        return self.inner(x)


def test_fit_records_history_and_learns():
    tg.manual_seed(0)
    X, y = blobs()
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    train, val = loaders(X, y)
    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), train, val,
                  epochs=5, metric=accuracy, progress=False)
    assert isinstance(history, History) and history.epochs == 5
    assert all(len(s) == 5 for s in (history.train_loss, history.val_loss,
                                      history.train_metric, history.val_metric))
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_metric[-1] >= 0.95
    assert not history.stopped_early and history.best_epoch is None
    # the recorded validation numbers are the model's: evaluate gives the same
    loss, acc = evaluate(model, nn.CrossEntropyLoss(), val, accuracy)
    assert loss == pytest.approx(history.val_loss[-1], rel=1e-6)
    assert acc == history.val_metric[-1]


def test_losses_are_means_over_samples_not_over_batches():
    """Batches of 3 and 1: the epoch loss weights each batch by its size."""
    X = np.array([[1.0], [2.0], [3.0], [10.0]], dtype=np.float32)
    y = np.zeros((4, 1), dtype=np.float32)
    model = nn.Linear(1, 1, bias=False)
    model.weight.data[...] = 1.0
    loader = DataLoader(TensorDataset(X, y), batch_size=3)
    loss, _ = evaluate(model, nn.MSELoss(), loader)
    assert loss == pytest.approx(np.mean(X ** 2))


def test_train_and_eval_modes_and_no_grad_during_validation():
    X, y = blobs(n=40)
    spy = Spy(nn.Linear(2, 2))
    train, val = loaders(X, y, batch_size=20)
    fit(spy, nn.CrossEntropyLoss(), optim.SGD(spy.parameters(), lr=0.1), train, val, epochs=2,
        progress=False)
    # per epoch: 2 training batches (train mode, graph recorded), then 1 validation batch
    expected = [(True, True), (True, True), (False, False)] * 2
    assert spy.calls == expected
    assert not spy.training  # fit leaves the model ready to predict


def test_early_stopping_restores_the_best_weights():
    """Train on y = 2x, validate on y = -2x: every epoch makes validation worse,
    so the best epoch is the first and training stops after `patience` more."""
    x = np.linspace(-1, 1, 32, dtype=np.float32).reshape(-1, 1)
    train = DataLoader(TensorDataset(x, 2 * x), batch_size=8)
    val = DataLoader(TensorDataset(x, -2 * x), batch_size=32)
    model = nn.Linear(1, 1)
    model.weight.data[...] = 0.0
    model.bias.data[...] = 0.0
    weights = []

    def remember(epoch, history):
        weights.append(model.weight.numpy().copy())

    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), train, val,
                  epochs=20, early_stopping=2, callbacks=[remember], progress=False)
    assert history.stopped_early and history.epochs == 3
    assert history.best_epoch == 0
    assert history.val_loss[0] < history.val_loss[1] < history.val_loss[2]
    np.testing.assert_array_equal(model.weight.numpy(), weights[0])
    assert not np.array_equal(weights[0], weights[-1])
    assert evaluate(model, nn.MSELoss(), val)[0] == pytest.approx(history.val_loss[0], rel=1e-6)


def test_early_stopping_on_a_metric_waits_for_it_to_rise():
    stopper = EarlyStopping(patience=2, monitor="val_metric", restore_best_weights=False)
    history = History()
    stops = []
    for epoch, value in enumerate([0.5, 0.7, 0.7, 0.6]):
        history.val_metric.append(value)
        stops.append(stopper.update(epoch, history, model=None))
    assert stops == [False, False, False, True]
    assert stopper.best == 0.7 and stopper.best_epoch == 1


def test_a_callback_can_stop_training():
    X, y = blobs(n=40)
    model = nn.Linear(2, 2)
    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  loaders(X, y)[0], epochs=10, callbacks=[lambda epoch, h: epoch == 2],
                  progress=False)
    assert history.epochs == 3 and history.stopped_early


def test_progress_bar_can_be_turned_off(capsys):
    X, y = blobs(n=40)
    model = nn.Linear(2, 2)
    args = (model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loaders(X, y)[0])
    fit(*args, epochs=2, progress=True)
    shown = capsys.readouterr().err
    assert "epoch 1/2" in shown and "epoch 2/2" in shown and "train_loss=" in shown
    fit(*args, epochs=2, progress=False)
    assert capsys.readouterr().err == ""


def test_a_nan_loss_stops_before_any_update():
    X = np.array([[np.nan, 0.0], [1.0, 1.0]], dtype=np.float32)
    model = nn.Linear(2, 2)
    before = model.weight.numpy().copy()
    with pytest.raises(FloatingPointError,
                       match="fit: the training loss is nan at epoch 1, batch 1"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(TensorDataset(X, np.array([0, 1])), batch_size=2), progress=False)
    np.testing.assert_array_equal(model.weight.numpy(), before)


def test_bad_arguments_are_rejected():
    X, y = blobs(n=40)
    model = nn.Linear(2, 2)
    args = (model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loaders(X, y)[0])
    with pytest.raises(ValueError, match="fit: early stopping on 'val_loss' needs a val_loader"):
        fit(*args, early_stopping=3, progress=False)
    with pytest.raises(ValueError, match="fit: epochs must be a positive integer, got 0"):
        fit(*args, epochs=0, progress=False)
    with pytest.raises(ValueError, match="EarlyStopping: monitor must be one of"):
        EarlyStopping(monitor="loss")
    with pytest.raises(ValueError, match=r"fit: the loader must yield \(inputs, targets\) pairs, "
                                         r"got 1"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(TensorDataset(X), batch_size=10), progress=False)


def test_accuracy():
    scores = Tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy(scores, np.array([1, 0, 0, 0])) == 0.75
    assert accuracy(scores, Tensor(np.array([1, 0, 1, 0]))) == 1.0
    with pytest.raises(ValueError, match=r"accuracy: .*\(4, 2\) and \(3,\)"):
        accuracy(scores, np.array([1, 0, 1]))


# ------------------------------------------------------------------ real data


def test_mlp_on_scikit_learn_digits_reaches_95_percent():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                        stratify=y)
    scaler = StandardScaler().fit(X_train)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
        DataLoader(TensorDataset(scaler.transform(X_train), y_train), batch_size=32,
                   shuffle=True, seed=0),
        epochs=20, progress=False)
    test = DataLoader(TensorDataset(scaler.transform(X_test), y_test), batch_size=500)
    _, test_accuracy = evaluate(model, nn.CrossEntropyLoss(), test, accuracy)
    assert test_accuracy >= 0.95


def test_mlp_on_mnist_reaches_97_percent(datasets):
    def flat(split):
        images, labels = load_mnist(datasets / "mnist", split=split, download=False)
        return images.reshape(len(images), -1).astype(np.float32) / 255.0, labels

    X_train, y_train = flat("train")
    X_test, y_test = flat("test")
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    # One BLAS thread: when other processes share the cores, OpenBLAS threads that wait
    # for each other make these small matmuls several times slower.
    with threadpool_limits(1):
        fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=2e-3),
            DataLoader(TensorDataset(X_train, y_train), batch_size=128, shuffle=True, seed=0),
            epochs=5, progress=False)
    test = DataLoader(TensorDataset(X_test, y_test), batch_size=1000)
    _, test_accuracy = evaluate(model, nn.CrossEntropyLoss(), test, accuracy)
    assert test_accuracy >= 0.97



# ---------------------------------------------------------------------- memory


def live_tensors() -> int:
    gc.collect()
    return sum(type(obj) is Tensor for obj in gc.get_objects())


def test_memory_stays_flat_over_1000_training_steps():
    """10 epochs of 100 steps. Were any step's graph kept alive, steps 500-1000 would
    hold ~500 more graphs (several KB each) than steps 0-500: both the live Tensor
    count and the traced memory would grow."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1600, 20)).astype(np.float32)
    y = rng.integers(0, 2, 1600)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 2))
    loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, seed=0)
    counts, peaks, current = {}, {}, {}

    def measure(epoch, history):
        if epoch in (1, 4, 9):
            counts[epoch] = live_tensors()
        if epoch in (4, 9):  # end of step 500 and of step 1000
            current[epoch], peaks[epoch] = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()

    tracemalloc.start()
    try:
        fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()), loader, epochs=10,
            callbacks=[measure], progress=False)
    finally:
        tracemalloc.stop()
    assert len(loader) * 10 == 1000
    assert counts[1] == counts[4] == counts[9]
    assert peaks[9] <= peaks[4] + 64 * 1024
    assert current[9] <= current[4] + 64 * 1024
