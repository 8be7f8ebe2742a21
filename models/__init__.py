"""Estimators built on tinygrad_edu, with scikit-learn's API and estimator contract."""

# ruff: noqa: F401  (this file only re-exports; append new models as plain imports)

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
