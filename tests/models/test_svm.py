"""LinearSVC, SVC and SVR against scikit-learn on Social Network Ads and the power plant."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import svm as sklearn_svm
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from models.svm import SVC, SVR, LinearSVC, kernel_feature_map, kernel_matrix
from tinygrad_edu.data.datasets import load_csv


@pytest.mark.parametrize("ours, reference", [
    (LinearSVC(random_state=0), sklearn_svm.LinearSVC()),
    (LinearSVC(loss="hinge", random_state=0), sklearn_svm.LinearSVC(loss="hinge")),
    (SVC(random_state=0), sklearn_svm.SVC()),
    (SVC(kernel="poly", random_state=0), sklearn_svm.SVC(kernel="poly")),
    (SVC(kernel="linear", random_state=0), sklearn_svm.SVC(kernel="linear")),
], ids=["LinearSVC", "LinearSVC-hinge", "SVC-rbf", "SVC-poly", "SVC-linear"])
def test_social_network_ads_accuracy_matches_sklearn(social_ads, ours, reference):
    X_train, X_test, y_train, y_test = social_ads
    ours.fit(X_train, y_train)
    reference.fit(X_train, y_train)
    assert abs(ours.score(X_test, y_test) - reference.score(X_test, y_test)) <= 0.02


def test_linear_svc_finds_sklearns_weights(social_ads):
    X_train, _, y_train, _ = social_ads
    ours = LinearSVC(random_state=0).fit(X_train, y_train)
    reference = sklearn_svm.LinearSVC().fit(X_train, y_train)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-2)  # measured: 7e-4


def test_svr_on_the_power_plant(datasets):
    table = load_csv(datasets / "power-plant" / "Folds5x2_pp.csv")
    X = np.column_stack([table[c] for c in ("AT", "V", "AP", "RH")])
    X_train, X_test, y_train, y_test = train_test_split(X, table["PE"], test_size=0.2,
                                                        random_state=0)
    x_scaler = StandardScaler().fit(X_train)
    y_scaler = StandardScaler().fit(y_train.reshape(-1, 1))
    X_train, X_test = x_scaler.transform(X_train), x_scaler.transform(X_test)
    y_train, y_test = (y_scaler.transform(v.reshape(-1, 1)).ravel() for v in (y_train, y_test))
    reference = sklearn_svm.SVR().fit(X_train, y_train)
    model = SVR(random_state=0).fit(X_train, y_train)
    assert len(model.landmarks_) == 1000 < len(X_train)  # Nyström: 1,000 of the 7,654 rows
    assert abs(model.score(X_test, y_test) - reference.score(X_test, y_test)) < 0.01


def test_multiclass_is_one_vs_rest():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = LinearSVC(random_state=0).fit(X, y)
    scores = model.decision_function(X)
    assert scores.shape == (150, 3) and model.coef_.shape == (3, 4)
    np.testing.assert_array_equal(model.predict(X), np.argmax(scores, axis=1))
    for k in range(3):  # column k alone is the binary machine "class k against the rest"
        alone = LinearSVC(random_state=0).fit(X, y == k)
        agreement = np.mean((scores[:, k] > 0) == alone.predict(X))
        assert agreement > 0.97
    assert SVC(random_state=0).fit(X, y).score(X, y) > 0.95


def test_exact_expansion_reproduces_the_kernel():
    """φ(x)·φ(x') = k(x, x') on the training rows: the change of variables α = U Λ^(-1/2) β."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    model = SVC(kernel="rbf", epochs=1, random_state=0).fit(X, X[:, 0] > 0)
    assert model.gamma_ == pytest.approx(1 / (3 * X.var()))
    kernel = kernel_matrix(X, X, "rbf", model.gamma_, 3, 0.0)
    features = kernel_matrix(X, model.landmarks_, "rbf", model.gamma_, 3, 0.0) @ model.projection_
    np.testing.assert_allclose(features @ features.T, kernel, atol=1e-8)


def test_feature_map_drops_directions_the_kernel_lacks():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    projection = kernel_feature_map(kernel_matrix(X, X, "linear", 1.0, 1, 0.0))
    assert projection.shape == (20, 2)  # a linear kernel on 2 features has rank 2


def test_epsilon_tube_costs_nothing():
    X = np.linspace(-1, 1, 40).reshape(-1, 1)
    y = 0.5 * X[:, 0]
    model = SVR(kernel="linear", epsilon=0.2, epochs=3, random_state=0).fit(X, y)
    w = model.module_.weight.numpy()[0].astype(np.float64)
    b = float(model.module_.bias.numpy()[0])
    features = kernel_matrix(X, model.landmarks_, "linear", 1.0, 1, 0.0) @ model.projection_
    residual = features @ w + b - y
    expected = np.mean(np.maximum(np.abs(residual) - 0.2, 0)) + w @ w / (2 * 1.0 * 40)
    assert model.objective(X, y).item() == pytest.approx(expected, rel=1e-5)
