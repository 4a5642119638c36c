"""summarize_themes: notes in, labelled themes out (the one call the app and the CLI make)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from analysis.choices import MIN_THEME_NOTES
from analysis.cluster import UNSORTED, ThemeClusterer, tidy
from analysis.embed import Embedder, SemanticEmbedder, get_embedder
from analysis.keywords import MAX_LABEL_WORDS, Vocabulary, class_tfidf, keywords_and_label
from analysis.text import LANGUAGES, guess_languages, normalize

N_REPRESENTATIVES = 3
MIN_NOTES_TO_CLUSTER = 3
STAGES = ("features", "themes", "labels")  # what summarize_themes reports to `progress`
LANGUAGE_PRIOR_NOTES = 10  # a language's own mean gets half the weight once it has ten notes
LANGUAGE_MIN_SHARE = 0.03  # rarer languages are left alone: mostly wrong guesses (0.3-1.3 %)


@dataclass(frozen=True)
class Theme:
    """One theme: a short label, keywords, its notes and the notes that show it best."""

    label: str
    keywords: list[str]
    indices: list[int]
    representatives: list[int]


@dataclass
class ThemeResult:
    """Themes plus the unsorted notes; ``at(k)`` recuts the same analysis coarser or finer."""

    themes: list[Theme]
    unsorted: list[int]
    backend: str
    fallback_reason: str | None = None
    _context: _Context | None = field(default=None, repr=False)

    def at(self, k: int) -> ThemeResult:
        """The same notes cut into k themes, without recomputing features or the tree."""
        if self._context is None:
            return self
        k = min(k, _max_themes(len(self._context.clustered)))  # as summarize_themes caps it
        return self._context.result(self._context.clusterer.labels_at(k))

    @property
    def n_themes(self) -> int:
        """How many themes there are."""
        return len(self.themes)


@dataclass
class _Context:
    """What a result needs to describe any cut of its tree."""

    clusterer: ThemeClusterer
    vocab: Vocabulary
    embedder: Embedder
    n_notes: int
    clustered: np.ndarray  # the position among all notes of each note the clusterer saw
    keys: list[str]  # the normal form of each of those notes' text

    def result(self, clustered_labels: np.ndarray) -> ThemeResult:
        """Label every theme in the clusterer's labels and collect the unsorted notes."""
        labels = np.full(self.n_notes, UNSORTED, dtype=np.intp)
        together = _duplicates_together(clustered_labels, self.keys)
        labels[self.clustered] = tidy(together, self.clusterer.min_cluster_size)  # copies left
        n_themes = int(labels.max()) + 1 if len(labels) else 0
        scores = class_tfidf(self.vocab, labels, n_themes)
        themes = _distinct_labels([self._theme(labels, c, scores[c]) for c in range(n_themes)])
        return ThemeResult(
            themes,
            _indices(labels == UNSORTED),
            self.embedder.name,
            self.embedder.fallback_reason,
            self,
        )

    def _theme(self, labels: np.ndarray, c: int, scores: np.ndarray) -> Theme:
        """Keywords, label and representatives of theme c."""
        members = _indices(labels == c)
        keywords, label = keywords_and_label(self.vocab, scores, members)
        rows = np.searchsorted(self.clustered, members)  # their rows in the clusterer's features
        return Theme(
            label or f"theme {c + 1}",
            keywords,
            members,
            [members[i] for i in _closest_to_centre(self.clusterer.features_[rows])],
        )


def _distinct_labels(themes: list[Theme]) -> list[Theme]:
    """Themes told apart by their labels: two themes both labelled "bussi, aikataulu" cannot
    be told apart in a summary. A later theme with a label already used takes its first
    keyword that the label lacks (in place of the last label word when it has three), or
    else a number."""
    used: set[str] = set()
    distinct = []
    for theme in themes:
        label = theme.label
        if label in used:
            words = label.split(", ")
            extra = next((w for w in theme.keywords if w not in words), None)
            kept = words if len(words) < MAX_LABEL_WORDS else words[:-1]
            label = ", ".join([*kept, extra]) if extra else label
            number = 2
            while label in used:
                label, number = f"{theme.label} ({number})", number + 1
            theme = replace(theme, label=label)
        used.add(label)
        distinct.append(theme)
    return distinct


def summarize_themes(
    texts: Sequence[str],
    *,
    k: int | None = None,
    backend: str = "auto",
    embedder: Embedder | None = None,
    lang: str = "auto",
    embeddings: np.ndarray | None = None,
    progress: Callable[[str], None] | None = None,
) -> ThemeResult:
    """Cluster notes into labelled themes; deterministic for the same notes and settings.

    k: number of themes, or None to choose automatically. embedder: a ready backend (else
    ``get_embedder(backend)``). lang: "fi", "sv", "en" or "auto" (guessed per note).
    embeddings: precomputed semantic vectors, one row per text, to skip encoding.
    progress: called with each stage as it starts (one of STAGES), for long runs.
    """
    report = progress or (lambda stage: None)
    texts = list(texts)
    embedder = embedder or get_embedder(backend)
    _check_args(texts, k, lang, embeddings)
    langs = guess_languages(texts) if lang == "auto" else [lang] * len(texts)
    vocab = Vocabulary.build(texts, langs)
    # "???", "👍", "123": nothing to theme by. Clustered, they joined whichever theme was
    # nearest (the lexical backend) or made a theme of their own; they are unsorted instead.
    clustered = np.array([i for i, text in enumerate(texts) if _has_letters(text)], dtype=np.intp)
    if len(clustered) < MIN_NOTES_TO_CLUSTER:
        return _single_theme(len(texts), clustered, vocab, embedder)
    if k is not None:
        k = min(k, _max_themes(len(clustered)))
    kept = [texts[i] for i in clustered]
    report("features")
    if embeddings is not None:
        features, settings = embeddings[clustered], SemanticEmbedder.clustering
    else:
        features, settings = embedder.features(kept), embedder.clustering
    features = without_language_offsets(features, [langs[i] for i in clustered])
    report("themes")
    clusterer = ThemeClusterer(n_clusters=k, **settings).fit(features)
    keys = [normalize(text).casefold() for text in kept]
    context = _Context(clusterer, vocab, embedder, len(texts), clustered, keys)
    report("labels")
    return context.result(clusterer.labels_)


def _duplicates_together(labels: np.ndarray, keys: list[str]) -> np.ndarray:
    """Notes with the same text share the theme most of them are in (unsorted only if all
    are). Ten "Kahvi loppu" notes must not land in two themes, or one of them in none."""
    together = labels.copy()
    same_text: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        same_text[key].append(index)
    for members in same_text.values():
        themed = [int(labels[i]) for i in members if labels[i] != UNSORTED]
        if len(members) > 1 and themed:
            together[members] = Counter(themed).most_common(1)[0][0]
    return together


def _max_themes(n_clustered: int) -> int:
    """A theme needs two notes: more themes than this could only be empty."""
    return max(1, n_clustered // MIN_THEME_NOTES)


def _has_letters(text: str) -> bool:
    return any(char.isalpha() for char in text)


def _check_args(texts: list[str], k: int | None, lang: str, embeddings: np.ndarray | None) -> None:
    """Clear errors for arguments that cannot work."""
    if not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must be strings")
    if k is not None and k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if lang != "auto" and lang not in LANGUAGES:
        raise ValueError(f"lang must be auto or one of {', '.join(LANGUAGES)}, got {lang!r}")
    if embeddings is not None and len(embeddings) != len(texts):
        raise ValueError(f"{len(embeddings)} embeddings for {len(texts)} texts")


def _single_theme(
    n_notes: int, clustered: np.ndarray, vocab: Vocabulary, embedder: Embedder
) -> ThemeResult:
    """Too few notes to compare: those with letters form one theme if they are two (a theme
    needs two notes, as in the clusterer); otherwise every note is unsorted."""
    labels = np.full(n_notes, UNSORTED, dtype=np.intp)
    if len(clustered) < MIN_THEME_NOTES:
        return ThemeResult([], list(range(n_notes)), embedder.name, embedder.fallback_reason)
    labels[clustered] = 0
    unsorted = _indices(labels == UNSORTED)
    indices = _indices(labels == 0)
    keywords, label = keywords_and_label(vocab, class_tfidf(vocab, labels, 1)[0], indices)
    theme = Theme(label or "theme 1", keywords, indices, indices[:N_REPRESENTATIVES])
    return ThemeResult([theme], unsorted, embedder.name, embedder.fallback_reason)


def without_language_offsets(features: np.ndarray, langs: Sequence[str]) -> np.ndarray:
    """Each language's notes moved so that its mean is the overall mean; rows unit length.

    Notes written in one language share a direction in both backends' features (multilingual
    embeddings keep a language signal, n-grams are language-specific), so without this, themes
    in a mixed workshop split by language (docs/analysis.md, "Mixed languages"). A language's
    mean is shrunk towards the overall mean as if LANGUAGE_PRIOR_NOTES more notes sat there,
    so a few notes whose language was guessed wrong move little. A workshop with fewer than
    two languages of at least LANGUAGE_MIN_SHARE of the notes is returned as it is.
    """
    codes, members = np.unique(np.asarray(langs), return_inverse=True)
    membership = members == np.arange(len(codes))[:, None]  # languages x notes
    counts = membership.sum(axis=1)
    common = counts >= LANGUAGE_MIN_SHARE * len(members)
    if common.sum() < 2:
        return features
    overall = features.mean(axis=0)
    sums = membership.astype(features.dtype) @ features
    prior = LANGUAGE_PRIOR_NOTES
    offsets = (sums + prior * overall) / (counts[:, None] + prior) - overall
    offsets[~common] = 0.0
    moved = features - offsets[members]
    lengths = np.linalg.norm(moved, axis=1, keepdims=True)
    unit: np.ndarray = moved / np.maximum(lengths, 1e-12)
    return unit


def _closest_to_centre(vectors: np.ndarray) -> list[int]:
    """Rows of the 2-3 vectors closest to their mean, closest first (the representatives)."""
    dist = np.linalg.norm(vectors - vectors.mean(axis=0), axis=1)
    return [int(i) for i in np.argsort(dist, kind="stable")[:N_REPRESENTATIVES]]


def _indices(mask: np.ndarray) -> list[int]:
    """Positions where a boolean mask is true, as plain ints."""
    return [int(i) for i in np.flatnonzero(mask)]
