"""ThemeClusterer: a scikit-learn estimator that is deterministic and recuts its hierarchy."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from analysis.cluster import UNSORTED, ThemeClusterer


@parametrize_with_checks([ThemeClusterer(), ThemeClusterer(n_clusters=3)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture
def blobs():
    X, y = make_blobs(n_samples=300, centers=5, n_features=20, cluster_std=1.0, random_state=3)
    return X, y


def test_true_k_recovers_blobs(blobs):
    X, y = blobs
    labels = ThemeClusterer(n_clusters=5).fit_predict(X)
    assert adjusted_rand_score(y, labels) > 0.95


def test_automatic_k_finds_blobs(blobs):
    X, y = blobs
    model = ThemeClusterer().fit(X)
    assert model.n_clusters_ == 5
    assert adjusted_rand_score(y, model.labels_) > 0.95


def test_deterministic(blobs):
    X, _ = blobs
    first = ThemeClusterer().fit(X).labels_
    assert np.array_equal(first, ThemeClusterer().fit(X).labels_)


def test_labels_at_goes_coarser_and_finer(blobs):
    X, _ = blobs
    model = ThemeClusterer(n_clusters=5).fit(X)
    assert len(set(model.labels_at(2)) - {UNSORTED}) == 2
    assert len(set(model.labels_at(8)) - {UNSORTED}) >= 7


def test_far_notes_are_unsorted(blobs):
    X, _ = blobs
    X = np.vstack([X, np.full((1, X.shape[1]), 60.0)])
    labels = ThemeClusterer(n_clusters=5).fit_predict(X)
    assert labels[-1] == UNSORTED
    assert (labels == UNSORTED).sum() <= 3


def test_themes_are_numbered_by_size(blobs):
    X, _ = blobs
    labels = ThemeClusterer(n_clusters=5).fit_predict(X[:-40])
    sizes = np.bincount(labels[labels != UNSORTED])
    assert list(sizes) == sorted(sizes, reverse=True)


def test_bad_n_clusters_is_a_clear_error(blobs):
    with pytest.raises(ValueError, match="n_clusters"):
        ThemeClusterer(n_clusters=0).fit(blobs[0])


def test_fast_silhouette_matches_scikit_learn(blobs):
    from sklearn.metrics import silhouette_score

    from analysis.cluster import _silhouette

    X, _ = blobs
    model = ThemeClusterer(n_clusters=5, n_micro=40).fit(X)
    everyone = np.arange(len(X))
    to_micro = model._distance_sums(everyone)
    for k in (2, 4, 7):
        groups = model._tree_groups(k)
        expected = silhouette_score(model.features_, groups[model.micro_labels_])
        fast = _silhouette(to_micro, model.micro_sizes_, model.micro_labels_, groups)
        assert fast == pytest.approx(expected, abs=1e-5)


def test_consensus_and_plain_tree_cut_both_recover_blobs(blobs):
    X, y = blobs
    for runs in (0, 50):
        labels = ThemeClusterer(n_clusters=5, n_consensus=runs).fit_predict(X)
        assert adjusted_rand_score(y, labels) > 0.95


def test_one_thread_limit_nests_and_restores():
    from threadpoolctl import threadpool_info

    from analysis.threads import single_threaded

    before = [pool["num_threads"] for pool in threadpool_info()]
    with single_threaded():
        with single_threaded():
            assert all(pool["num_threads"] == 1 for pool in threadpool_info())
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert [pool["num_threads"] for pool in threadpool_info()] == before
