"""ThemeClusterer: deterministic themes with a hierarchy, automatic k and an unsorted bucket.

Pipeline (each step chosen by measurement, see docs/analysis.md):
PCA with partial whitening (flattens the few directions that dominate sentence embeddings),
projection onto the unit sphere, k-means micro-clusters, a size-weighted Ward tree over them
(the hierarchy, and the cuts automatic k is chosen from), a consensus of many seeded k-means
runs over the micro-clusters for the chosen number of themes, k-means refinement of it, and a
few rounds of k-means in the themes' own discriminant space (LDA-k-means).
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.cluster.hierarchy import cut_tree, fcluster, linkage
from scipy.linalg import eigh
from scipy.spatial.distance import squareform
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted, validate_data

from analysis.choices import MIN_THEME_NOTES
from analysis.hierarchy import weighted_ward
from analysis.threads import single_threaded

UNSORTED = -1
_SILHOUETTE_SAMPLE = 1000
_CHUNK = 250  # sample rows per block when summing distances (bounds memory at 10,000 notes)
_LLOYD_ITERATIONS = 50
_DISCRIMINANT_SHRINKAGE = 0.1  # 0.03-0.3 measured alike (docs/analysis.md, fourth round)


# scikit-learn ships no type hints, so its base classes are Any to mypy
class ThemeClusterer(ClusterMixin, BaseEstimator):  # type: ignore[misc]
    """Clusters note vectors into themes; ``labels_at(k)`` recuts the same fit coarser or finer.

    n_clusters: themes wanted, or None to pick between 2 and ``max_clusters`` by silhouette.
    max_clusters: upper bound for the automatic choice (None: grows with the square root of n).
    min_cluster_size: smaller groups go to the unsorted bucket (label -1).
    outlier_z: notes farther from their theme centre than median + outlier_z robust SDs are
        unsorted too; None keeps every note in a theme.
    whiten_power: 0 keeps PCA axes as they are, 1 fully whitens them (0.5 suits sentence
        embeddings, 0 suits LSA features, see docs/analysis.md).
    n_consensus: seeded k-means runs over the micro-clusters whose agreement decides a cut;
        0 cuts the Ward tree instead.
    n_discriminant: rounds of k-means in the discriminant space of the themes found so far;
        0 stops after the k-means refinement.
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        *,
        max_clusters: int | None = None,
        min_cluster_size: int = MIN_THEME_NOTES,
        outlier_z: float | None = 4.0,
        n_components: int = 64,
        whiten_power: float = 0.5,
        n_micro: int = 200,
        n_consensus: int = 50,
        n_discriminant: int = 5,
        random_state: int = 0,
    ) -> None:
        self.n_clusters = n_clusters
        self.max_clusters = max_clusters
        self.min_cluster_size = min_cluster_size
        self.outlier_z = outlier_z
        self.n_components = n_components
        self.whiten_power = whiten_power
        self.n_micro = n_micro
        self.n_consensus = n_consensus
        self.n_discriminant = n_discriminant
        self.random_state = random_state

    def fit(self, X: npt.ArrayLike, y: object = None) -> ThemeClusterer:
        """Build the hierarchy and cut it at ``n_clusters`` (or the automatic choice)."""
        features: np.ndarray = validate_data(self, X, dtype=[np.float64, np.float32])
        self._check_params()
        with single_threaded():
            return self._fit(features)

    def _fit(self, X: np.ndarray) -> ThemeClusterer:
        """fit, inside the one-thread limit."""
        self.features_ = self._sphere(X)
        self.micro_labels_, self.micro_centres_, self.micro_sizes_ = self._micro_clusters(
            self.features_
        )
        self.linkage_ = (
            weighted_ward(self.micro_centres_, self.micro_sizes_)
            if len(self.micro_sizes_) > 1
            else np.zeros((0, 4))
        )
        self.n_clusters_ = self._choose_k()
        self.labels_ = self.labels_at(self.n_clusters_)
        return self

    def labels_at(self, k: int) -> np.ndarray:
        """Theme of each note when the notes are cut into ``k`` themes (-1 = unsorted)."""
        check_is_fitted(self, "linkage_")
        k = int(np.clip(k, 1, len(self.linkage_) + 1))
        with single_threaded():
            groups = self._consensus(k) if self.n_consensus > 0 else self._tree_groups(k)
            labels = self._discriminant_rounds(self._refine(groups[self.micro_labels_]))
        return tidy(self._unsort(labels), self.min_cluster_size)

    def _check_params(self) -> None:
        """Reject settings that cannot work, with a clear message."""
        if self.n_clusters is not None and int(self.n_clusters) < 1:
            raise ValueError(f"n_clusters must be at least 1, got {self.n_clusters}")
        if self.min_cluster_size < 1:
            raise ValueError(f"min_cluster_size must be at least 1, got {self.min_cluster_size}")
        if self.n_consensus < 0:
            raise ValueError(f"n_consensus must be at least 0, got {self.n_consensus}")
        if self.n_discriminant < 0:
            raise ValueError(f"n_discriminant must be at least 0, got {self.n_discriminant}")

    def _sphere(self, X: np.ndarray) -> np.ndarray:
        """Centre, partially whiten with PCA and project rows onto the unit sphere."""
        rank = min(self.n_components, X.shape[0] - 1, X.shape[1])
        if rank < 1:
            centred: np.ndarray = normalize(X - X.mean(axis=0))
            return centred
        pca = PCA(rank, svd_solver="covariance_eigh").fit(X)  # fast for n >> dimensions
        scale = np.maximum(pca.explained_variance_, 1e-12) ** (self.whiten_power / 2)
        sphered: np.ndarray = normalize(pca.transform(X) / scale)
        return sphered

    def _micro_clusters(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Labels, centres and sizes of small k-means groups that the tree is built on."""
        distinct = len(np.unique(Z, axis=0))
        if distinct <= self.n_micro:
            labels = np.unique(Z, axis=0, return_inverse=True)[1].ravel()
        else:
            km = KMeans(self.n_micro, n_init=1, random_state=self.random_state).fit(Z)
            labels = km.labels_
        sizes = np.bincount(labels)
        centres = _group_means(Z, labels, len(sizes))
        return labels, centres, sizes

    def _tree_groups(self, k: int) -> np.ndarray:
        """Group 0..k-1 of each micro-cluster when the Ward tree is cut into k groups."""
        if len(self.linkage_) == 0:
            return np.zeros(len(self.micro_sizes_), dtype=np.intp)
        groups: np.ndarray = fcluster(self.linkage_, k, criterion="maxclust") - 1
        return groups

    def _consensus(self, k: int) -> np.ndarray:
        """Group of each micro-cluster by evidence accumulation over seeded k-means runs.

        Each run clusters the size-weighted micro-cluster centres into between k and 3k groups;
        micro-clusters that land together in many runs are joined by average linkage on
        (1 - share of runs together), cut into exactly k groups. Averaging many runs removes
        most of the seed-to-seed spread of a single k-means.
        """
        m = len(self.micro_sizes_)
        if k <= 1 or k >= m:
            return np.arange(m) if k >= m else np.zeros(m, dtype=np.intp)
        rng = np.random.default_rng(self.random_state)
        centres, weights = self.micro_centres_, self.micro_sizes_.astype(np.float64)
        high = max(k, min(3 * k, m // 2))
        together = np.zeros((m, m))
        for _ in range(self.n_consensus):
            labels = _weighted_kmeans(centres, weights, int(rng.integers(k, high + 1)), rng)
            together += labels[:, None] == labels[None, :]
        distance = 1.0 - together / self.n_consensus
        np.fill_diagonal(distance, 0.0)
        tree = linkage(squareform(distance, checks=False), method="average")
        groups: np.ndarray = cut_tree(tree, n_clusters=k).ravel()
        return groups

    def _refine(self, labels: np.ndarray) -> np.ndarray:
        """Polish a partition with k-means started from its centres (deterministic)."""
        n_groups = len(np.unique(labels))
        if n_groups < 2 or n_groups >= len(self.micro_sizes_):
            return labels
        return _kmeans_from_groups(self.features_, labels)

    def _discriminant_rounds(self, labels: np.ndarray) -> np.ndarray:
        """Alternate linear discriminant analysis of the themes and k-means in its space.

        k-means weighs every direction alike, so variation inside a theme (length, style) can
        split it. The discriminant space of the current themes stretches the directions that
        tell them apart and shrinks those that vary within them; k-means there, started from
        the themes' centres, moves notes, and the two repeat (Ding & Li, 2007).
        """
        for _ in range(self.n_discriminant):
            present, labels = np.unique(labels, return_inverse=True)
            axes = _discriminant_axes(self.features_, labels, len(present))
            if axes is None:
                break
            moved = _kmeans_from_groups(self.features_ @ axes, labels)
            if np.array_equal(moved, labels):
                break
            labels = moved
        return labels

    def _unsort(self, labels: np.ndarray) -> np.ndarray:
        """Send far-away notes to the unsorted bucket (before `tidy` checks the sizes: a pair
        that lost a note to the outliers was a theme of one note)."""
        labels = labels.copy()
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
            vectors = self.features_[members]
            dist[members] = np.linalg.norm(vectors - vectors.mean(axis=0), axis=1)
        med = np.median(dist[sorted_mask])
        mad = 1.4826 * np.median(np.abs(dist[sorted_mask] - med))
        if mad < 1e-4:  # unit vectors: float32 rounding leaves copies about 1e-7 apart
            # Most notes sit on their theme's centre (copies of one text): there is no spread
            # to measure "unusually far" by, and every other note would count as an outlier.
            return np.zeros(len(labels), dtype=bool)
        outliers: np.ndarray = sorted_mask & (dist > med + self.outlier_z * mad)
        return outliers

    def _choose_k(self) -> int:
        """The given n_clusters, or the Ward-tree cut with the best silhouette in range.

        Silhouettes of all cuts come from one pass: each sampled note's summed distance to
        every micro-cluster, after which a cut only adds up columns (no k-means per k).
        """
        n_groups = len(self.linkage_) + 1
        if self.n_clusters is not None:
            return min(int(self.n_clusters), n_groups)
        high = min(self._max_k(), n_groups, len(self.features_) - 1)
        if high < 2:
            return 1
        sample = np.random.default_rng(self.random_state).permutation(len(self.features_))
        sample = np.sort(sample[:_SILHOUETTE_SAMPLE])
        to_micro = self._distance_sums(sample)
        own_micro = self.micro_labels_[sample]
        scores = [
            _silhouette(to_micro, self.micro_sizes_, own_micro, self._tree_groups(k))
            for k in range(2, high + 1)
        ]
        return 2 + int(np.argmax(scores))

    def _distance_sums(self, sample: np.ndarray) -> np.ndarray:
        """(sample x micro-clusters) sums of distances from sampled notes to each group's notes."""
        features = self.features_.astype(np.float32)
        members = np.zeros((len(features), len(self.micro_sizes_)), dtype=np.float32)
        members[np.arange(len(features)), self.micro_labels_] = 1.0
        blocks = [
            euclidean_distances(features[sample[i : i + _CHUNK]], features) @ members
            for i in range(0, len(sample), _CHUNK)
        ]
        return np.vstack(blocks).astype(np.float64)

    def _max_k(self) -> int:
        """Upper bound for automatic k: workshop-sized, growing like sqrt(n)."""
        if self.max_clusters is not None:
            return int(self.max_clusters)
        return int(np.clip(round(1.5 * np.sqrt(len(self.features_))), 2, 100))


def _silhouette(
    to_micro: np.ndarray, micro_sizes: np.ndarray, own_micro: np.ndarray, groups: np.ndarray
) -> float:
    """Mean silhouette of the sampled notes for one cut (micro-cluster -> group); -1: undefined."""
    k = int(groups.max()) + 1
    if k < 2:
        return -1.0
    onehot = np.zeros((len(groups), k))
    onehot[np.arange(len(groups)), groups] = 1.0
    sums, sizes = to_micro @ onehot, micro_sizes @ onehot
    own = groups[own_micro]
    rows = np.arange(len(own))
    a = sums[rows, own] / np.maximum(sizes[own] - 1, 1)
    mean_other = sums / sizes
    mean_other[rows, own] = np.inf
    b = mean_other.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(sizes[own] > 1, (b - a) / np.maximum(a, b), 0.0)
    return float(np.nan_to_num(s).mean())


def _discriminant_axes(Z: np.ndarray, labels: np.ndarray, n_groups: int) -> np.ndarray | None:
    """Linear discriminants of groups 0..n_groups-1 (none empty), or None when undefined.

    The same axes as scikit-learn's LinearDiscriminantAnalysis(solver="eigen", shrinkage=s),
    without its per-group covariance estimates (2.4 against 42 ms for 3,000 notes in 77 groups,
    and a fit asks for up to five). Shrinkage keeps the within-group covariance usable for small
    groups; one-note groups have no spread and are left out.
    """
    sizes = np.bincount(labels, minlength=n_groups)
    shared = sizes[labels] > 1
    learnt = int((sizes > 1).sum())
    if learnt < 2 or shared.sum() <= learnt:
        return None
    X, own = Z[shared], labels[shared]
    within = X - _group_means(Z, labels, n_groups)[own]
    total = X - X.mean(axis=0)
    scatter_within = _shrunk(within.T @ within / len(X))
    scatter_between = _shrunk(total.T @ total / len(X)) - scatter_within
    try:
        values, vectors = eigh(scatter_between, scatter_within)
    except np.linalg.LinAlgError:  # no spread inside any group: nothing to learn
        return None
    order = np.argsort(values)[::-1][: min(learnt - 1, Z.shape[1])]
    axes: np.ndarray = vectors[:, order]
    return axes


def _shrunk(covariance: np.ndarray) -> np.ndarray:
    """Covariance pulled towards a multiple of the identity with the same trace."""
    target = np.trace(covariance) / len(covariance) * np.eye(len(covariance))
    shrunk: np.ndarray = (1 - _DISCRIMINANT_SHRINKAGE) * covariance + (
        _DISCRIMINANT_SHRINKAGE * target
    )
    return shrunk


def _weighted_kmeans(
    points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Labels of a weighted k-means (random weighted start, Lloyd steps) on a few hundred points."""
    chosen = rng.choice(len(points), size=k, replace=False, p=weights / weights.sum())
    centres = points[chosen]
    labels = np.full(len(points), -1)
    rows = np.arange(len(points))
    for _ in range(_LLOYD_ITERATIONS):
        new = (-2.0 * points @ centres.T + (centres**2).sum(axis=1)).argmin(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        share = np.zeros((len(points), len(centres)))
        share[rows, labels] = weights
        mass = share.sum(axis=0)
        filled = mass > 0
        centres[filled] = (share.T @ points)[filled] / mass[filled, None]
    return labels


def _kmeans_from_groups(Z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """k-means on Z started from the centres of the given groups (deterministic), numbered
    0..k-1."""
    present, labels = np.unique(labels, return_inverse=True)
    centres = _group_means(Z, labels, len(present))
    with warnings.catch_warnings():  # repeated notes: fewer distinct points than groups
        warnings.simplefilter("ignore", ConvergenceWarning)
        moved: np.ndarray = KMeans(len(present), init=centres, n_init=1).fit_predict(Z)
    return moved


def _group_means(Z: np.ndarray, labels: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean row of each group 0..n_groups-1."""
    members = sparse.csr_matrix(
        (np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(n_groups, len(labels))
    )
    return np.asarray(members @ Z) / np.bincount(labels, minlength=n_groups)[:, None]


def tidy(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Groups smaller than min_size unsorted; the rest numbered by size (largest first, ties
    by first note), with no gaps; unsorted kept at -1."""
    labels = labels.copy()
    sorted_mask = labels != UNSORTED
    if sorted_mask.any():
        counts = np.bincount(labels[sorted_mask])
        labels[sorted_mask & (counts[np.maximum(labels, 0)] < min_size)] = UNSORTED
    themes = [c for c in np.unique(labels) if c != UNSORTED]
    order = sorted(themes, key=lambda c: (-np.sum(labels == c), np.argmax(labels == c)))
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(c, UNSORTED) for c in labels], dtype=np.intp)
