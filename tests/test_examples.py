"""The example scripts run and reach the results they claim.

Each case study runs in-process with `--quick` into a temporary folder, through
its `main(argv)`, which returns its key numbers. A script whose data is not on
disk raises `_data.DataNotFound`, and its test is skipped with that message.
The last tests run scripts as a user would, in a subprocess on a broken or
empty data folder, and check the one-line message and the exit code.
"""

import gzip
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))  # the scripts import their helpers (_cli, _data, _plotting)

import _data  # noqa: E402


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def run_quick(name: str, out: Path, *extra: str) -> dict:
    """Run examples/<name>.py --quick --out <out>, skipping the test when its data is absent."""
    try:
        return load_example(name).main(["--quick", "--out", str(out), *extra])
    except _data.DataNotFound as missing:
        pytest.skip(f"{name}: {missing.message.splitlines()[0]}")


def assert_figures(out: Path, *names: str) -> None:
    """Every named figure was written and is not empty."""
    for name in names:
        path = out / name
        assert path.is_file() and path.stat().st_size > 1000, f"{path} missing or empty"


def test_gradient_descent_basics_recovers_the_line_and_separates_the_blobs(capsys):
    example = load_example("gradient_descent_basics")
    w, b = example.fit_line()
    assert w == pytest.approx(3.0, abs=0.05) and b == pytest.approx(-2.0, abs=0.05)
    assert example.fit_logistic_boundary() >= 0.97
    assert "mse" in capsys.readouterr().out


def test_demo_trains_on_the_bundled_digits_without_any_data(tmp_path, monkeypatch, capsys):
    # What `make demo` does on a fresh machine: no TINYGRAD_EDU_DATA, sklearn's 8×8 digits.
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # and nothing downloaded to ~/.cache either
    results = run_quick("digit_recognizer", tmp_path)
    assert results["accuracy"] > 0.85
    assert abs(results["accuracy"] - results["sklearn_accuracy"]) < 0.06
    assert_figures(tmp_path, "loss_curves.png", "confusion_matrix.png", "test_digits.png")
    graph = tmp_path / "backprop_graph.dot"
    assert "Linear(64→30)" in graph.read_text()  # collapsed layers, named
    output = capsys.readouterr().out
    assert "scikit-learn 8×8 digits" in output and str(tmp_path / "loss_curves.png") in output


def test_digit_recognizer_on_mnist(tmp_path):
    results = run_quick("digit_recognizer", tmp_path, "--data", "mnist")
    assert results["accuracy"] > 0.8 and results["sklearn_accuracy"] > 0.8
    assert_figures(tmp_path, "loss_curves.png", "confusion_matrix.png", "test_digits.png")
    assert "Linear(784→30)" in (tmp_path / "backprop_graph.dot").read_text()


def test_linear_regression_walkthrough_matches_the_closed_form(tmp_path):
    results = run_quick("linear_regression_walkthrough", tmp_path)
    assert results["w"] == pytest.approx(results["sklearn_w"], rel=0.01)
    assert results["b"] == pytest.approx(results["sklearn_b"], rel=0.02)
    assert results["r2"] > 0.95
    for degree in (1, 2, 4):
        assert results[f"poly{degree}_r2"] == pytest.approx(results[f"sklearn_poly{degree}_r2"],
                                                            abs=1e-6)
    assert results["poly4_r2"] > results["poly2_r2"] > results["poly1_r2"]
    assert_figures(tmp_path, "salary_fit.png", "cost_curve.png", "cost_surface.png",
                   "normalization.png", "polynomial_fits.png")


def test_logistic_regression_walkthrough_animates_the_boundary(tmp_path):
    results = run_quick("logistic_regression_walkthrough", tmp_path)
    assert results["accuracy"] > 0.8
    assert results["models_accuracy"] == pytest.approx(results["sklearn_accuracy"], abs=0.02)
    assert_figures(tmp_path, "sigmoid.png", "loss_curve.png", "final_boundary.png",
                   "training.gif")
    assert (tmp_path / "training.gif").read_bytes()[:6] == b"GIF89a"


def test_gradient_check_tour_passes_the_op_and_catches_the_bug(tmp_path):
    results = run_quick("gradient_check_tour", tmp_path)
    assert results["gradcheck"] is True and results["gradgradcheck"] is True
    assert results["buggy_gradcheck"] is False
    assert results["torch_difference"] < 1e-12
    assert_figures(tmp_path, "derivatives.png", "step_size.png")
    assert "silu" in (tmp_path / "silu_graph.dot").read_text()


def test_churn_network_beats_always_stayed(tmp_path):
    results = run_quick("churn", tmp_path)
    assert results["accuracy"] > results["baseline_accuracy"]
    assert abs(results["accuracy"] - results["sklearn_accuracy"]) < 0.04
    assert_figures(tmp_path, "loss_curves.png", "validation_accuracy.png", "confusion_matrix.png")


def test_social_network_ads_seven_classifiers_match_sklearn(tmp_path):
    results = run_quick("social_network_ads", tmp_path)
    ours = {name: value for name, value in results.items() if not name.startswith("sklearn")}
    assert len(ours) == 7
    for name, accuracy in ours.items():
        assert accuracy > 0.75, name
        assert abs(accuracy - results[f"sklearn {name}"]) <= 0.05, name
    assert_figures(tmp_path, "decision_boundaries.png")


def test_mall_customers_finds_five_groups_like_sklearn(tmp_path):
    results = run_quick("mall_customers", tmp_path)
    assert results["elbow"] == 5
    assert results["inertia"] == pytest.approx(results["sklearn_inertia"], rel=1e-6)
    assert results["kmeans_ari"] > 0.99 and results["hierarchical_ari"] > 0.99
    assert_figures(tmp_path, "elbow.png", "kmeans_clusters.png", "dendrogram.png",
                   "hierarchical_clusters.png")


def test_power_plant_regressors_match_sklearn(tmp_path):
    results = run_quick("power_plant", tmp_path)
    ours = {name: value for name, value in results.items() if not name.startswith("sklearn")}
    assert len(ours) == 6
    for name, r2 in ours.items():
        assert r2 > 0.85, name
        assert abs(r2 - results[f"sklearn {name}"]) < 0.03, name
    assert_figures(tmp_path, "fitted_curves.png")


def test_fashion_mnist(tmp_path):
    results = run_quick("fashion_mnist", tmp_path)
    assert results["knn_accuracy"] > 0.7 and results["mlp_accuracy"] > 0.7
    assert_figures(tmp_path, "loss_curves.png", "confusion_matrix.png", "test_images.png")


def test_a_missing_dataset_exits_with_code_2_and_says_where_to_put_it(tmp_path, monkeypatch,
                                                                       capsys):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path))  # exists, but holds no dataset
    with pytest.raises(SystemExit) as stop:
        load_example("fashion_mnist").main(["--quick", "--out", str(tmp_path / "out")])
    assert stop.value.code == 2
    message = capsys.readouterr().err
    assert "Fashion-MNIST is not available" in message and "TINYGRAD_EDU_DATA" in message
    assert "--download" in message
    with pytest.raises(SystemExit) as stop:
        load_example("churn").main(["--quick", "--out", str(tmp_path / "out")])
    assert stop.value.code == 2 and "Churn_Modelling.csv" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def run_script(name: str, data: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run examples/<name>.py --quick as a user would, with TINYGRAD_EDU_DATA=data."""
    env = {**os.environ, "TINYGRAD_EDU_DATA": str(data), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--quick"], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def assert_one_line_error(run: subprocess.CompletedProcess, code: int, *phrases: str) -> None:
    assert run.returncode == code, run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    for phrase in phrases:
        assert phrase in run.stderr, run.stderr


def test_a_bad_image_file_ends_the_script_with_one_line_and_an_exit_code(tmp_path):
    folder = tmp_path / "data" / "fashion-mnist"
    folder.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (folder / name).write_bytes(gzip.compress(b"not the official file"))
    run = run_script("fashion_mnist", tmp_path / "data", tmp_path)
    assert_one_line_error(run, _data.EXIT_BAD_DATA, "fashion_mnist.py: ", "checksum mismatch",
                          str(folder / "train-images-idx3-ubyte.gz"))
    assert not (tmp_path / "outputs").exists()


def test_a_bad_csv_file_ends_the_script_with_one_line_and_an_exit_code(tmp_path):
    folder = tmp_path / "data" / "mall-customers"
    folder.mkdir(parents=True)
    (folder / "Mall_Customers.csv").write_text("CustomerID,Genre,Age\n0001,Male,19\n0002,Male\n")
    run = run_script("mall_customers", tmp_path / "data", tmp_path)
    assert_one_line_error(run, _data.EXIT_BAD_DATA, "mall_customers.py: ",
                          "Mall_Customers.csv line 3 has 2 fields")
    (folder / "Mall_Customers.csv").write_text("CustomerID,Genre,Age\n0001,Male,19\n")
    run = run_script("mall_customers", tmp_path / "data", tmp_path)  # columns are missing
    assert_one_line_error(run, _data.EXIT_BAD_DATA, "Mall_Customers.csv has no column")


def test_missing_data_ends_the_script_with_one_line_and_exit_code_2(tmp_path):
    (tmp_path / "data").mkdir()
    run = run_script("fashion_mnist", tmp_path / "data", tmp_path)
    assert_one_line_error(run, _data.EXIT_NO_DATA, "fashion_mnist.py: ",
                          "Fashion-MNIST is not available", "TINYGRAD_EDU_DATA", "--download")


def test_lenet_mnist_learns_and_draws_its_filters_and_feature_maps(tmp_path):
    results = run_quick("lenet_mnist", tmp_path)
    assert results["accuracy"] > 0.75 and results["val_accuracy"] > 0.75  # chance is 0.1
    assert_figures(tmp_path, "loss_curves.png", "confusion_matrix.png", "filters.png",
                   "feature_maps_conv1.png", "feature_maps_conv2.png")
