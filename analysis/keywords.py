"""Readable theme keywords: class-based TF-IDF over stems, shown as their most common word."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.text import content_words

N_KEYWORDS = 5
MAX_LABEL_WORDS = 3
LABEL_SCORE_RATIO = 0.5  # a keyword joins the label if it scores at least half the best one
_CANDIDATES = 4 * N_KEYWORDS  # best stems whose words are looked up (two stems may share one)


@dataclass(frozen=True)
class Vocabulary:
    """Stems of every note (a note counts a stem once) and the words that produced them."""

    note_stems: sparse.csr_matrix  # notes x stems, 0/1
    note_words: list[list[tuple[int, str]]]  # per note: (stem column, the word as written)

    @classmethod
    def build(cls, texts: Sequence[str], langs: Sequence[str]) -> Vocabulary:
        """Stem each note in its own language and remember which words produced each stem."""
        columns: dict[str, int] = {}
        note_words: list[list[tuple[int, str]]] = []
        rows, cols = [], []
        for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
            words = [
                (columns.setdefault(stem, len(columns)), word)
                for stem, word in content_words(text, lang)
            ]
            note_words.append(words)
            rows += [row] * len(words)
            cols += [col for col, _ in words]
        matrix = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(columns))
        )
        matrix.data[:] = 1.0  # duplicates were summed: count each stem once per note
        return cls(matrix, note_words)

    def usual_forms(self, members: Iterable[int], stems: set[int]) -> dict[int, str]:
        """The most common word for each of these stems in these notes: a theme is shown in
        its own words ("bussit" in a theme that says so, though others say "bussilla")."""
        forms: dict[int, Counter[str]] = defaultdict(Counter)
        for note in members:
            for col, word in self.note_words[note]:
                if col in stems:
                    forms[col][word] += 1
        return {col: _usual_form(counts) for col, counts in forms.items()}


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


def keywords_and_label(
    vocab: Vocabulary, scores: np.ndarray, members: Sequence[int]
) -> tuple[list[str], str]:
    """Top keywords of one theme (its notes' own words, no repeats) and a 1-3 word label."""
    order = np.argsort(-scores, kind="stable")
    top = order[scores[order] > 0][:_CANDIDATES]  # scored above 0: the theme's notes use it
    forms = vocab.usual_forms(members, {int(i) for i in top})
    words = _first_distinct((forms[i] for i in top), N_KEYWORDS)
    if not words:
        return [], ""
    strong = top[scores[top] >= LABEL_SCORE_RATIO * scores[top[0]]]
    label_words = _first_distinct((forms[i] for i in strong), MAX_LABEL_WORDS)
    return words, ", ".join(label_words)


def _first_distinct(words: Iterable[str], n: int) -> list[str]:
    """The first n different words, in order (stops reading once it has them)."""
    seen: dict[str, None] = {}
    for word in words:
        seen.setdefault(word)
        if len(seen) == n:
            break
    return list(seen)
