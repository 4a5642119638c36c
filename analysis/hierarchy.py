"""Size-weighted Ward linkage over micro-cluster centres, in SciPy's linkage-matrix format."""

from __future__ import annotations

from typing import Any

import numpy as np


def weighted_ward(centres: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Ward tree of groups of points (centre, size): merges cost what merging the points would."""
    m = len(centres)
    sizes = sizes.astype(np.float64)
    sq = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    dist = 2.0 * sq * np.outer(sizes, sizes) / np.add.outer(sizes, sizes)
    np.fill_diagonal(dist, np.inf)
    ids = np.arange(m)
    leaves = np.ones(m)
    tree = np.zeros((m - 1, 4))
    for step in range(m - 1):
        a, b = sorted(np.unravel_index(np.argmin(dist), dist.shape))
        tree[step] = [
            min(ids[a], ids[b]),
            max(ids[a], ids[b]),
            np.sqrt(dist[a, b]),
            leaves[a] + leaves[b],
        ]
        dist[a] = _lance_williams(dist, sizes, a, b)
        dist[:, a] = dist[a]
        dist[a, a] = np.inf
        dist[b] = dist[:, b] = np.inf
        sizes[a] += sizes[b]
        leaves[a] += leaves[b]
        ids[a] = m + step
    return tree


def _lance_williams(
    dist: np.ndarray, sizes: np.ndarray, a: int | np.integer[Any], b: int | np.integer[Any]
) -> np.ndarray:
    """Ward distances from every group to the union of groups a and b."""
    na, nb = sizes[a], sizes[b]
    total = sizes + na + nb
    merged: np.ndarray
    with np.errstate(invalid="ignore"):
        merged = ((sizes + na) * dist[a] + (sizes + nb) * dist[b] - sizes * dist[a, b]) / total
    merged[~np.isfinite(dist[a]) | ~np.isfinite(dist[b])] = np.inf
    return merged
