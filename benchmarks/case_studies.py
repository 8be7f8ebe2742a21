"""Benchmark: the case studies' models against scikit-learn, on the case studies' data (issue 19).

    TINYGRAD_EDU_DATA=/path/to/datasets python -m benchmarks --only case_studies

Every case study that compares one of our models with scikit-learn's does it through
a table of factory pairs in its example script (`classifiers()`, `regressors()`,
`networks()`, `clusterings()`), and its data comes from the script's own loader. This
benchmark times exactly those pairs on exactly that data, as the models benchmark
times its rows: fit + predict, ours and scikit-learn's alternated, medians, ratio and
both test scores. The sets are small (200 to 10,000 rows), so a model's fixed cost per
fit shows here as it does not on MNIST.

    Social_Network_Ads  age, salary → bought; 300 / 100 users, standardized
    power plant         four readings → output in MW; 7,654 / 1,914 readings
    Churn_Modelling     12 columns → left the bank; 8,000 / 2,000 customers, standardized
    Mall_Customers      income, spending score; 200 customers to cluster

The salary walkthrough's fits (30 and 10 rows, the closed-form LinearRegression and
PolynomialRegression of the models table) are not timed. `--quick` cuts the power plant
and the churn sets to a few hundred rows and the networks to a few epochs.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

from benchmarks import Settings
from benchmarks.models import HEADER, Case, Data, measure, ratio_summary, selected, table_row
from benchmarks.report import Report, Section

NAME = "case_studies"
ROUNDS = 3
MARKERS = ("<!-- case-studies-benchmark:start -->", "<!-- case-studies-benchmark:end -->")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
QUICK_ROWS = 400


def example(name: str) -> ModuleType:
    """examples/<name>.py as a module (the examples import their helpers, `_data`, `_cli`,
    as top-level modules, so their folder goes on the path)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    return importlib.import_module(name)


def social_network_ads(quick: bool) -> tuple[Data, list[Case]]:
    ads = example("_data").social_network_ads_split()
    data = Data(ads.Z_train, ads.y_train, ads.Z_test, ads.y_test,
                f"Social_Network_Ads {len(ads.y_train)} / {len(ads.y_test)}")
    pairs = example("social_network_ads").classifiers(quick)
    return data, [Case(f"ads: {name}", "", "classify", *pair) for name, pair in pairs.items()]


def power_plant(quick: bool) -> tuple[Data, list[Case]]:
    script = example("power_plant")
    X_train, X_test, y_train, y_test = script.power_plant_split(quick)
    data = Data(X_train, y_train, X_test, y_test, f"power {len(y_train):,} / {len(y_test):,}")
    return data, [Case(f"power: {name}", "", "regress", *pair)
                  for name, pair in script.regressors(quick).items()]


def churn(quick: bool) -> tuple[Data, list[Case]]:
    script = example("churn")
    X_train, X_test, y_train, y_test, _ = script.churn_split()
    if quick:  # a few hundred rows
        X_train, X_test, y_train, y_test = (a[:QUICK_ROWS] for a in (X_train, X_test, y_train,
                                                                     y_test))
    data = Data(X_train, y_train, X_test, y_test,
                f"Churn_Modelling {len(y_train):,} / {len(y_test):,}")
    return data, [Case("churn: MLP 12 → 12 → 1, early stopping", "", "classify",
                       *script.networks(quick))]


def mall_customers(quick: bool) -> tuple[Data, list[Case]]:
    script = example("mall_customers")
    X = script.load_mall_customers()
    data = Data(X, None, None, None, f"Mall_Customers {len(X)}")
    return data, [Case(f"mall: {name}", "", "cluster", *pair)
                  for name, pair in script.clusterings().items()]


CASE_STUDIES = [social_network_ads, power_plant, churn, mall_customers]
"""Each returns its data and its rows; in the order of the table."""


def run(settings: Settings) -> Report:
    rounds = settings.rounds_or(ROUNDS)
    report, cells = Report(), []
    data_problem = example("_data").DataProblem
    for case_study in CASE_STUDIES:
        try:
            data, cases = case_study(settings.quick)
        except data_problem as problem:  # the loader has printed why, on stderr
            report.notes.append(f"case studies: {case_study.__name__} skipped: {problem}")
            continue
        for case in selected(cases, settings):
            result = report.raw[case.name] = measure(case, data, rounds,
                                                     warmup_rounds=0 if settings.quick else 1)
            cells.append(table_row(case, data, result))
    report.notes.append(
        f"case studies: each example script's pairs of models on its own data, fit + predict "
        f"(a clustering: fit), ours and scikit-learn's alternated after one untimed round, "
        f"median of {rounds} round(s). Scores as in the models table.")
    report.section = Section("Case studies against scikit-learn", MARKERS, HEADER, cells,
                             ratio_summary(report.raw))
    return report
