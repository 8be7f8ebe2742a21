"""Case study 4: groups of shoppers, by k-means and by hierarchical clustering.

    python examples/mall_customers.py [--out DIR] [--quick]

(`--quick` is accepted for uniformity and changes nothing: 200 rows cluster in seconds.)

200 customers of a mall, each described by annual income (k$) and a spending
score (1–100) the mall gave them. There is no label: we look for groups.

1. The elbow method: fit k-means for k = 1..10 and plot the inertia (the summed
   squared distance of each customer to its cluster's centre) against k. It
   falls steeply until the groups are found, then slowly: the bend is at k = 5.
2. k-means with k = 5: the clusters and their centroids.
3. Agglomerative clustering with Ward linkage: the dendrogram (the tree of
   merges, heights = how much a merge costs) and its cut into 5 clusters.

Both are compared with scikit-learn on the same data: inertia, and the
adjusted Rand index between the two labelings (1 = the same partition).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from _cli import parse_args, print_figures, print_table
from _data import load_table
from _plotting import CLASS_COLORS, save_figure
from sklearn.cluster import AgglomerativeClustering as SkAgglomerativeClustering
from sklearn.cluster import KMeans as SkKMeans
from sklearn.metrics import adjusted_rand_score

from models import AgglomerativeClustering, KMeans
from models.agglomerative import plot_dendrogram
from models.kmeans import elbow, elbow_point

FEATURES = ["Annual Income (k$)", "Spending Score (1-100)"]
AXIS_LABELS = ("annual income (k$)", "spending score (1–100)")
N_CLUSTERS = 5


def load_mall_customers() -> np.ndarray:
    """The 200 customers' (annual income, spending score)."""
    table = load_table("mall-customers", "Mall_Customers.csv", FEATURES)
    return np.column_stack([table[name] for name in FEATURES]).astype(np.float64)


def clusterings() -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    """k-means and Ward's hierarchy with five clusters: a factory for ours and one for
    scikit-learn's, with the same settings."""
    return {
        "k-means (k = 5)": (lambda: KMeans(n_clusters=N_CLUSTERS, n_init=10, random_state=42),
                            lambda: SkKMeans(n_clusters=N_CLUSTERS, n_init=10, random_state=42)),
        "hierarchical (Ward, 5 clusters)": (
            lambda: AgglomerativeClustering(n_clusters=N_CLUSTERS, linkage="ward"),
            lambda: SkAgglomerativeClustering(n_clusters=N_CLUSTERS, linkage="ward")),
    }


def elbow_figure(k_values: list[int], ours: np.ndarray, reference: np.ndarray,
                 bend: int) -> plt.Figure:
    """Inertia against k for both implementations, with the bend marked."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(k_values, ours, marker="o", label="tinygrad_edu KMeans")
    ax.plot(k_values, reference, "--", marker="x", label="scikit-learn KMeans")
    ax.axvline(bend, color="gray", linestyle=":", label=f"the elbow, k = {bend}")
    ax.set(title="The elbow method: inertia against the number of clusters",
           xlabel="number of clusters k", ylabel="inertia (sum of squared distances)")
    ax.legend()
    return fig


def clusters_figure(X: np.ndarray, labels: np.ndarray, title: str,
                    centers: np.ndarray | None = None) -> plt.Figure:
    """Customers coloured by cluster, with the centroids when given."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for k in range(labels.max() + 1):
        ax.scatter(*X[labels == k].T, s=18, color=CLASS_COLORS[k], label=f"cluster {k + 1}")
    if centers is not None:
        ax.scatter(*centers.T, s=200, marker="*", color="black", label="centroids")
    ax.set(title=title, xlabel=AXIS_LABELS[0], ylabel=AXIS_LABELS[1])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def dendrogram_figure(model: AgglomerativeClustering) -> plt.Figure:
    """The merge tree, with a line where it is cut into N_CLUSTERS clusters."""
    heights = np.sort(model.distances_)
    cut = (heights[-N_CLUSTERS] + heights[-N_CLUSTERS + 1]) / 2  # between two merge heights
    fig, ax = plt.subplots(figsize=(9, 4.5))
    plot_dendrogram(model, ax=ax, no_labels=True, color_threshold=cut,
                    above_threshold_color="gray")
    ax.axhline(cut, color="black", linestyle="--", label=f"cut into {N_CLUSTERS} clusters")
    ax.set(title="Dendrogram of the customers (Ward linkage): one colour per cluster",
           xlabel="customers (leaves of the tree)")
    ax.legend(loc="upper left")
    ax.grid(False)
    return fig


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Cluster both ways, compare, draw; returns the inertias and agreement scores."""
    args = parse_args("mall_customers", __doc__.splitlines()[0], argv)
    X = load_mall_customers()
    k_values = list(range(1, 11))

    ours_elbow = elbow(X, k_values, n_init=10, random_state=42)
    reference_elbow = np.array([SkKMeans(n_clusters=k, n_init=10, random_state=42).fit(X).inertia_
                                for k in k_values])
    bend = elbow_point(k_values, ours_elbow)

    (kmeans, sk_kmeans), (hierarchy, sk_hierarchy) = (
        (make_ours().fit(X), make_reference().fit(X))
        for make_ours, make_reference in clusterings().values())

    rows = [["elbow of the inertia curve", bend, ""],
            ["k-means inertia (k = 5)", kmeans.inertia_, sk_kmeans.inertia_],
            ["k-means agreement (adjusted Rand index)",
             adjusted_rand_score(kmeans.labels_, sk_kmeans.labels_), ""],
            ["hierarchical agreement (adjusted Rand index)",
             adjusted_rand_score(hierarchy.labels_, sk_hierarchy.labels_), ""]]
    print_table("Mall_Customers: income and spending score",
                ["", "tinygrad_edu", "scikit-learn"], rows)

    figures = [
        save_figure(elbow_figure(k_values, ours_elbow, reference_elbow, bend), args.out, "elbow"),
        save_figure(clusters_figure(X, kmeans.labels_, "k-means: five groups of customers",
                                    kmeans.cluster_centers_), args.out, "kmeans_clusters"),
        save_figure(dendrogram_figure(hierarchy), args.out, "dendrogram"),
        save_figure(clusters_figure(X, hierarchy.labels_,
                                    "Hierarchical clustering cut into five groups"),
                    args.out, "hierarchical_clusters"),
    ]
    print_figures(figures)
    return {"elbow": bend, "inertia": kmeans.inertia_, "sklearn_inertia": sk_kmeans.inertia_,
            "kmeans_ari": rows[2][1], "hierarchical_ari": rows[3][1]}


if __name__ == "__main__":
    main()
