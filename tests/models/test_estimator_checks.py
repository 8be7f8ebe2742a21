"""scikit-learn's own estimator test suite, run on every model of the package.

Every class in `models.__all__` needs at least one instance here (tests/models/
test_registry.py fails otherwise). No check is skipped by us; scikit-learn itself skips
the array-API check (needs SCIPY_ARRAY_API) and the pandas checks when pandas is absent.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from models import (
    SVC,
    SVR,
    AgglomerativeClustering,
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    GaussianNB,
    KMeans,
    KNeighborsClassifier,
    KNeighborsRegressor,
    LinearRegression,
    LinearSVC,
    LogisticRegression,
    MLPClassifier,
    MLPRegressor,
    PolynomialRegression,
    RandomForestClassifier,
    RandomForestRegressor,
)

# Small and quick instances of the gradient-trained models: the checks fit each one
# dozens of times on tiny data.
FAST = dict(max_iter=60, random_state=0)

ESTIMATORS = [
    LinearRegression(),
    LinearRegression(solver="lbfgs", **FAST),
    LinearRegression(solver="sgd", **FAST),
    PolynomialRegression(degree=2),
    LogisticRegression(**FAST),
    LogisticRegression(solver="adam", learning_rate_init=0.1, **FAST),
    LinearSVC(**FAST),
    LinearSVC(solver="adam", learning_rate_init=0.05, **FAST),
    MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, **FAST),
    MLPRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.01, early_stopping=True, **FAST),
    KNeighborsClassifier(),
    KNeighborsClassifier(n_neighbors=3, weights="distance", metric="manhattan"),
    KNeighborsRegressor(),
    KNeighborsRegressor(weights="distance", metric="minkowski", p=3),
    GaussianNB(),
    DecisionTreeClassifier(random_state=0),
    DecisionTreeClassifier(criterion="entropy", max_depth=4, max_features="sqrt", random_state=0),
    DecisionTreeRegressor(random_state=0),
    RandomForestClassifier(n_estimators=5, random_state=0),
    RandomForestRegressor(n_estimators=5, random_state=0),
    KMeans(n_clusters=3, n_init=2, random_state=0),
    AgglomerativeClustering(),
    AgglomerativeClustering(linkage="single"),
    SVC(),
    SVC(kernel="linear", C=10.0, cache_size=0.001),  # columns computed one at a time
    SVR(),
    SVR(epsilon=0.01, cache_size=0.001),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)
