"""Readable theme keywords: class-based TF-IDF over stems, shown as their most common word."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.text import content_words

N_KEYWORDS = 5
MAX_LABEL_WORDS = 3
LABEL_SCORE_RATIO = 0.5  # a keyword joins the label if it scores at least half the best one


@dataclass(frozen=True)
class Vocabulary:
    """Stems of every note (a note counts a stem once) and each stem's usual surface form."""

    note_stems: sparse.csr_matrix  # notes x stems, 0/1
    surface: list[str]  # column -> most common word form

    @classmethod
    def build(cls, texts: Sequence[str], langs: Sequence[str]) -> Vocabulary:
        """Stem each note in its own language and remember which words produced each stem."""
        columns: dict[str, int] = {}
        forms: dict[str, Counter[str]] = {}
        rows, cols = [], []
        for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
            for stem, word in content_words(text, lang):
                col = columns.setdefault(stem, len(columns))
                forms.setdefault(stem, Counter())[word] += 1
                rows.append(row)
                cols.append(col)
        matrix = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(columns))
        )
        matrix.data[:] = 1.0  # duplicates were summed: count each stem once per note
        surface = [_usual_form(forms[stem]) for stem in columns]
        return cls(matrix, surface)


def _usual_form(counts: Counter[str]) -> str:
    """Most common word for a stem; ties go to the shorter, then alphabetically first."""
    return min(counts, key=lambda word: (-counts[word], len(word), word))


def class_tfidf(vocab: Vocabulary, labels: np.ndarray, n_themes: int) -> np.ndarray:
    """c-TF-IDF (themes x stems): share of a theme's notes using a stem, times its rarity."""
    membership = sparse.csr_matrix(
        (np.ones(int((labels >= 0).sum())), (labels[labels >= 0], np.flatnonzero(labels >= 0))),
        shape=(n_themes, len(labels)),
    )
    counts = np.asarray((membership @ vocab.note_stems).todense())
    theme_sizes = np.maximum(np.asarray(membership.sum(axis=1)), 1)
    frequency = np.maximum(counts.sum(axis=0), 1)
    avg_words = max(counts.sum() / max(n_themes, 1), 1.0)
    scores: np.ndarray = (counts / theme_sizes) * np.log1p(avg_words / frequency)
    return scores


def keywords_and_label(vocab: Vocabulary, scores: np.ndarray) -> tuple[list[str], str]:
    """Top keywords of one theme (surface forms, no repeats) and a 1-3 word label."""
    order = np.argsort(-scores, kind="stable")
    order = order[scores[order] > 0]
    words = _first_distinct((vocab.surface[i] for i in order), N_KEYWORDS)
    if not words:
        return [], ""
    strong = order[scores[order] >= LABEL_SCORE_RATIO * scores[order[0]]]
    label_words = _first_distinct((vocab.surface[i] for i in strong), MAX_LABEL_WORDS)
    return words, ", ".join(label_words)


def _first_distinct(words: Iterable[str], n: int) -> list[str]:
    """The first n different words, in order (stops reading once it has them)."""
    seen: dict[str, None] = {}
    for word in words:
        seen.setdefault(word)
        if len(seen) == n:
            break
    return list(seen)
