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
    with pytest.raises(ValueError, match="n_discriminant"):
        ThemeClusterer(n_discriminant=-1).fit(blobs[0])


def test_discriminant_rounds_see_past_variation_inside_themes():
    """Themes that vary along shared directions (as notes vary in length and style) fool
    k-means; rounds in the themes' discriminant space recover more of them."""
    gains = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        centres = rng.normal(size=(5, 32)) * 0.5
        shared = np.linalg.qr(rng.normal(size=(32, 3)))[0].T
        X = np.vstack(
            [
                c + 0.4 * rng.normal(size=(60, 32)) + 3.0 * rng.normal(size=(60, 3)) @ shared
                for c in centres
            ]
        )
        y = np.repeat(np.arange(5), 60)
        plain, adapted = (
            adjusted_rand_score(
                y, ThemeClusterer(n_clusters=5, n_discriminant=rounds).fit_predict(X)
            )
            for rounds in (0, 5)
        )
        gains.append(adapted - plain)
    assert min(gains) > 0.05
    assert np.mean(gains) > 0.15


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


def test_discriminant_axes_match_scikit_learn(blobs):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from analysis.cluster import _DISCRIMINANT_SHRINKAGE, _discriminant_axes

    X, y = blobs
    ours = X @ _discriminant_axes(X, y, 5)
    lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=_DISCRIMINANT_SHRINKAGE)
    theirs = lda.fit(X, y).transform(X)
    signs = np.sign((ours * theirs).sum(axis=0))  # each axis is defined up to its sign
    assert np.allclose(ours * signs, theirs, atol=1e-6)


def test_discriminant_axes_undefined_without_spread():
    from analysis.cluster import _discriminant_axes

    identical = np.repeat(np.eye(3), 4, axis=0)  # every group is one point repeated
    assert _discriminant_axes(identical, np.repeat(np.arange(3), 4), 3) is None
    lonely = np.arange(3)  # one note per group: no spread to learn
    assert _discriminant_axes(np.eye(3), lonely, 3) is None


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
