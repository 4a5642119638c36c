"""ThemeClusterer: deterministic themes with a hierarchy, automatic k and an unsorted bucket.

Pipeline (each step chosen by measurement, see docs/analysis.md):
PCA with partial whitening (flattens the few directions that dominate sentence embeddings),
projection onto the unit sphere, k-means micro-clusters, a size-weighted Ward tree over them
(the hierarchy: any number of themes from one fit), and k-means refinement of a cut.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted, validate_data

from analysis.hierarchy import weighted_ward

UNSORTED = -1
_SILHOUETTE_SAMPLE = 1000


class ThemeClusterer(ClusterMixin, BaseEstimator):
    """Clusters note vectors into themes; ``labels_at(k)`` recuts the same fit coarser or finer.

    n_clusters: themes wanted, or None to pick between 2 and ``max_clusters`` by silhouette.
    max_clusters: upper bound for the automatic choice (None: grows with the square root of n).
    min_cluster_size: smaller groups go to the unsorted bucket (label -1).
    outlier_z: notes farther from their theme centre than median + outlier_z robust SDs are
        unsorted too; None keeps every note in a theme.
    """

    def __init__(self, n_clusters: int | None = None, *, max_clusters: int | None = None,
                 min_cluster_size: int = 2, outlier_z: float | None = 4.0,
                 n_components: int = 64, whiten_power: float = 0.5, n_micro: int = 200,
                 random_state: int = 0) -> None:
        self.n_clusters = n_clusters
        self.max_clusters = max_clusters
        self.min_cluster_size = min_cluster_size
        self.outlier_z = outlier_z
        self.n_components = n_components
        self.whiten_power = whiten_power
        self.n_micro = n_micro
        self.random_state = random_state

    def fit(self, X, y=None) -> ThemeClusterer:
        """Build the hierarchy and cut it at ``n_clusters`` (or the automatic choice)."""
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self._check_params()
        self.features_ = self._sphere(X)
        self.micro_labels_, centres, sizes = self._micro_clusters(self.features_)
        self.linkage_ = weighted_ward(centres, sizes) if len(centres) > 1 else np.zeros((0, 4))
        self.n_clusters_ = self._choose_k()
        self.labels_ = self.labels_at(self.n_clusters_)
        return self

    def labels_at(self, k: int) -> np.ndarray:
        """Theme of each note when the tree is cut into ``k`` themes (-1 = unsorted)."""
        check_is_fitted(self, "linkage_")
        k = int(np.clip(k, 1, len(self.linkage_) + 1))
        labels = self._refine(self._cut(k), k)
        return _renumber(self._unsort(labels))

    def _check_params(self) -> None:
        """Reject settings that cannot work, with a clear message."""
        if self.n_clusters is not None and int(self.n_clusters) < 1:
            raise ValueError(f"n_clusters must be at least 1, got {self.n_clusters}")
        if self.min_cluster_size < 1:
            raise ValueError(f"min_cluster_size must be at least 1, got {self.min_cluster_size}")

    def _sphere(self, X: np.ndarray) -> np.ndarray:
        """Centre, partially whiten with PCA and project rows onto the unit sphere."""
        rank = min(self.n_components, X.shape[0] - 1, X.shape[1])
        if rank < 1:
            return normalize(X - X.mean(axis=0))
        pca = PCA(rank, svd_solver="full").fit(X)
        scale = np.maximum(pca.explained_variance_, 1e-12) ** (self.whiten_power / 2)
        return normalize(pca.transform(X) / scale)

    def _micro_clusters(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Labels, centres and sizes of small k-means groups that the tree is built on."""
        distinct = len(np.unique(Z, axis=0))
        if distinct <= self.n_micro:
            labels = np.unique(Z, axis=0, return_inverse=True)[1].ravel()
        else:
            km = KMeans(self.n_micro, n_init=1, random_state=self.random_state).fit(Z)
            labels = km.labels_
        sizes = np.bincount(labels)
        centres = np.vstack([Z[labels == c].mean(axis=0) for c in range(len(sizes))])
        return labels, centres, sizes

    def _cut(self, k: int) -> np.ndarray:
        """Per-note labels 0..k-1 from cutting the micro-cluster tree into k groups."""
        if len(self.linkage_) == 0:
            return np.zeros(len(self.micro_labels_), dtype=np.intp)
        groups = fcluster(self.linkage_, k, criterion="maxclust") - 1
        return groups[self.micro_labels_]

    def _refine(self, labels: np.ndarray, k: int) -> np.ndarray:
        """Polish a tree cut with k-means started from its centres (deterministic)."""
        present = np.unique(labels)
        if len(present) < 2 or len(present) >= len(np.unique(self.features_, axis=0)):
            return labels
        centres = np.vstack([self.features_[labels == c].mean(axis=0) for c in present])
        return KMeans(len(present), init=centres, n_init=1).fit_predict(self.features_)

    def _unsort(self, labels: np.ndarray) -> np.ndarray:
        """Send tiny groups and far-away notes to the unsorted bucket."""
        labels = labels.copy()
        counts = np.bincount(labels)
        labels[counts[labels] < self.min_cluster_size] = UNSORTED
        if self.outlier_z is not None:
            labels[self._outliers(labels)] = UNSORTED
        return labels

    def _outliers(self, labels: np.ndarray) -> np.ndarray:
        """Notes unusually far from their theme's centre (robust z-score over all notes)."""
        sorted_mask = labels != UNSORTED
        if sorted_mask.sum() < 10:
            return np.zeros(len(labels), dtype=bool)
        dist = np.zeros(len(labels))
        for c in np.unique(labels[sorted_mask]):
            members = labels == c
            dist[members] = np.linalg.norm(self.features_[members] - self.features_[members].mean(0),
                                           axis=1)
        med = np.median(dist[sorted_mask])
        mad = 1.4826 * np.median(np.abs(dist[sorted_mask] - med)) + 1e-12
        return sorted_mask & (dist > med + self.outlier_z * mad)

    def _choose_k(self) -> int:
        """The given n_clusters, or the tree cut with the best silhouette in the allowed range."""
        n_groups = len(self.linkage_) + 1
        if self.n_clusters is not None:
            return min(int(self.n_clusters), n_groups)
        high = min(self._max_k(), n_groups - 1, len(self.features_) - 1)
        if high < 2:
            return 1
        sample = np.random.default_rng(self.random_state).permutation(len(self.features_))
        sample = np.sort(sample[:_SILHOUETTE_SAMPLE])
        dist = euclidean_distances(self.features_[sample])
        return max(range(2, high + 1), key=lambda k: _silhouette(dist, self._cut(k)[sample]))

    def _max_k(self) -> int:
        """Upper bound for automatic k: workshop-sized, growing like sqrt(n)."""
        if self.max_clusters is not None:
            return int(self.max_clusters)
        return int(np.clip(round(1.5 * np.sqrt(len(self.features_))), 2, 100))


def _silhouette(dist: np.ndarray, labels: np.ndarray) -> float:
    """Silhouette from precomputed distances; -1 when it is undefined."""
    if not 1 < len(np.unique(labels)) < len(labels):
        return -1.0
    return float(silhouette_score(dist, labels, metric="precomputed"))


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Themes numbered by size (largest first, ties by first note), unsorted kept at -1."""
    themes = [c for c in np.unique(labels) if c != UNSORTED]
    order = sorted(themes, key=lambda c: (-np.sum(labels == c), np.argmax(labels == c)))
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(c, UNSORTED) for c in labels], dtype=np.intp)
