"""No model is forgotten: every estimator the package exports is in `models.__all__`, runs
scikit-learn's estimator checks (test_estimator_checks.py) and has a parity test against
the scikit-learn estimator it stands for (PARITY below), as every op in the op registry
has a gradient case. Adding a model without them fails here (docs: "Adding a model")."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator
from test_estimator_checks import ESTIMATORS
from test_gradient_training import SPELLED_AS

import models

HERE = Path(__file__).parent

# model → the tests ("file::function") that compare it with scikit-learn on the course's data
PARITY = {
    "LinearRegression": ["test_linear.py::test_coefficients_match_sklearn"],
    "PolynomialRegression": ["test_linear.py::test_polynomial_regression_predicts_level_6_5"],
    "LogisticRegression": ["test_logistic.py::test_social_network_ads_matches_sklearn",
                           "test_logistic.py::test_mnist_digits_match_sklearns_lbfgs"],
    "LinearSVC": ["test_svm.py::test_social_network_ads_accuracy_matches_sklearn",
                  "test_svm.py::test_linear_svc_on_mnist_digits_matches_sklearn"],
    "SVC": ["test_svm.py::test_svc_on_mnist_digits_matches_libsvm"],
    "SVR": ["test_svm.py::test_svr_on_the_power_plant_without_standardising_y"],
    "MLPClassifier": ["test_mlp.py::test_mnist_digits_like_sklearn"],
    "MLPRegressor": ["test_gradient_training.py::test_sklearn_code_runs_unchanged"],
    "GaussianNB": ["test_naive_bayes.py::test_social_ads_proba_matches_sklearn"],
    "KNeighborsClassifier": ["test_neighbors.py::test_social_ads_predictions_identical"],
    "KNeighborsRegressor": ["test_neighbors.py::test_regressor_matches_sklearn"],
    "DecisionTreeClassifier": ["test_trees.py::test_shallow_tree_is_sklearns_tree"],
    "DecisionTreeRegressor": ["test_trees.py::test_regression_tree_power_plant"],
    "RandomForestClassifier": ["test_trees.py::test_random_forest_churn"],
    "RandomForestRegressor": ["test_trees.py::test_random_forest_regressor_power_plant"],
    "KMeans": ["test_clustering.py::test_kmeans_inertia_within_one_percent"],
    "AgglomerativeClustering": ["test_clustering.py::test_agglomerative_labels_identical"],
}


def test_all_lists_every_estimator_the_package_exports():
    exported = {name for name, value in vars(models).items()
                if inspect.isclass(value) and issubclass(value, BaseEstimator)}
    assert exported == set(models.__all__), (
        f"in the package but not in models.__all__: {sorted(exported - set(models.__all__))}; "
        f"in __all__ but not exported: {sorted(set(models.__all__) - exported)}")


@pytest.mark.parametrize("name", models.__all__)
def test_model_runs_sklearns_estimator_checks(name):
    checked = {type(estimator).__name__ for estimator in ESTIMATORS}
    assert name in checked, f"{name}: add an instance to ESTIMATORS in test_estimator_checks.py"


@pytest.mark.parametrize("name", models.__all__)
def test_model_parameters_are_checked_against_sklearns_spelling(name):
    assert getattr(models, name) in SPELLED_AS, (
        f"{name}: add it and its scikit-learn counterparts to SPELLED_AS in "
        f"test_gradient_training.py")


def defined_tests(file: str) -> set[str]:
    tree = ast.parse((HERE / file).read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("name", models.__all__)
def test_model_has_a_parity_test(name):
    assert PARITY.get(name), f"{name}: add its scikit-learn parity tests to PARITY"
    for test in PARITY[name]:
        file, function = test.split("::")
        assert function in defined_tests(file), f"{name}: {test} does not exist"


def test_parity_names_only_exported_models():
    assert set(PARITY) <= set(models.__all__), sorted(set(PARITY) - set(models.__all__))
