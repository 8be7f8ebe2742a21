"""Estimators built on tinygrad_edu, with scikit-learn's API and estimator contract."""

# Every model is imported here and listed in __all__; tests/models/test_registry.py checks
# that each one runs scikit-learn's estimator checks and has a parity test.

from models.agglomerative import AgglomerativeClustering
from models.forest import RandomForestClassifier, RandomForestRegressor
from models.kmeans import KMeans
from models.linear import LinearRegression, PolynomialRegression
from models.logistic import LogisticRegression
from models.mlp import MLPClassifier, MLPRegressor
from models.naive_bayes import GaussianNB
from models.neighbors import KNeighborsClassifier, KNeighborsRegressor
from models.svm import SVC, SVR, LinearSVC
from models.tree import DecisionTreeClassifier, DecisionTreeRegressor

__all__ = [
    "AgglomerativeClustering",
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "GaussianNB",
    "KMeans",
    "KNeighborsClassifier",
    "KNeighborsRegressor",
    "LinearRegression",
    "LinearSVC",
    "LogisticRegression",
    "MLPClassifier",
    "MLPRegressor",
    "PolynomialRegression",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "SVC",
    "SVR",
]
