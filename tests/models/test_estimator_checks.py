"""scikit-learn's own estimator test suite, run on every model in this family."""

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
    RandomForestClassifier,
    RandomForestRegressor,
)

ESTIMATORS = [
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
