"""Readable theme keywords: class-based TF-IDF over stems, shown as their most common word."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.text import content_words

N_KEYWORDS = 5
MAX_LABEL_WORDS = 3
LABEL_SCORE_RATIO = 0.5  # a keyword joins the label if it scores at least half the best one
SHARED_STEM_LETTERS = 4  # see Vocabulary.same_word
# Ends that Snowball's Finnish and Swedish stemmers leave on some forms of a word and not on
# others: "nuor" / "nuore" / "nuort", "koulutu" / "koulutus" / "koulutuks", "työpaik" /
# "työpaiko", "byrokrat" / "byrokratia", "asiak" / "asiakas", Swedish "språkkur" / "språkkurs".
_LEFT_ENDINGS = {
    frozenset(pair)
    for pair in [
        ("", "e"),
        ("", "t"),
        ("e", "t"),
        ("", "s"),
        ("", "ks"),
        ("s", "ks"),
        ("", "o"),
        ("", "i"),
        ("", "ia"),
        ("", "as"),
    ]
}
_CANDIDATES = 4 * N_KEYWORDS  # best stems whose words are looked up (two stems may share one)


@dataclass(frozen=True)
class Vocabulary:
    """Stems of every note (a note counts a stem once) and the words that produced them."""

    note_stems: sparse.csr_matrix  # notes x stems, 0/1
    note_words: list[list[tuple[int, str]]]  # per note: (stem column, the word as written)
    stems: list[str]  # per column: the stem
    stem_langs: list[str]  # per column: the language of the first note that used it

    @classmethod
    def build(cls, texts: Sequence[str], langs: Sequence[str]) -> Vocabulary:
        """Stem each note in its own language and remember which words produced each stem."""
        columns: dict[str, int] = {}
        stem_langs: list[str] = []
        note_words: list[list[tuple[int, str]]] = []
        rows, cols = [], []
        for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
            words = []
            for stem, word in content_words(text, lang):
                if stem not in columns:
                    columns[stem] = len(columns)
                    stem_langs.append(lang)
                words.append((columns[stem], word))
            note_words.append(words)
            rows += [row] * len(words)
            cols += [col for col, _ in words]
        matrix = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(columns))
        )
        matrix.data[:] = 1.0  # duplicates were summed: count each stem once per note
        return cls(matrix, note_words, list(columns), stem_langs)

    def usual_forms(self, members: Iterable[int], words: list[list[int]]) -> list[str]:
        """The most common form of each word (a list of its stem columns) in these notes: a
        theme is shown in its own words ("bussit" in a theme that says so, though others say
        "bussilla")."""
        word_of = {col: i for i, cols in enumerate(words) for col in cols}
        forms: dict[int, Counter[str]] = defaultdict(Counter)
        for note in members:
            for col, form in self.note_words[note]:
                if col in word_of:
                    forms[word_of[col]][form] += 1
        return [_usual_form(forms[i]) for i in range(len(words))]

    def same_word(self, a: int, b: int) -> bool:
        """Whether two stem columns are one Finnish or Swedish word that Snowball left apart.

        Snowball's Finnish stemmer keeps plural and gradation stems apart ("nuoret" / "nuorten"
        / "nuorille" → "nuore" / "nuort" / "nuor"), so a theme's keywords could repeat one word
        three times. Two stems of one language are one word when they share at least
        SHARED_STEM_LETTERS letters and their different ends are such a pair (_LEFT_ENDINGS).
        Other ends make other words: "asia" / "asiak" (thing, customer), "työpaik" / "työpaj"
        (job, workshop), "työnhakij" / "työnhaku" (job seeker, job search). English is left
        out: Porter keeps "employ" (employer) and "employe" (employee) apart on purpose.
        """
        lang = self.stem_langs[a]
        if lang == "en" or self.stem_langs[b] != lang:
            return False
        first, second = self.stems[a], self.stems[b]
        shared = len(os.path.commonprefix([first, second]))
        ends = frozenset((first[shared:], second[shared:]))
        return shared >= SHARED_STEM_LETTERS and ends in _LEFT_ENDINGS


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
    words = _words_of(vocab, [int(i) for i in top])
    forms = vocab.usual_forms(members, words)
    keywords = _first_distinct(forms, N_KEYWORDS)
    if not keywords:
        return [], ""
    strong = [
        form
        for form, cols in zip(forms, words, strict=True)
        if scores[cols[0]] >= LABEL_SCORE_RATIO * scores[top[0]]
    ]
    label_words = _first_distinct(strong, MAX_LABEL_WORDS)
    return keywords, ", ".join(label_words)


def _words_of(vocab: Vocabulary, columns: list[int]) -> list[list[int]]:
    """Stem columns, best first, grouped into words (`Vocabulary.same_word`): "nuor" joins
    "nuore" and "nuort" into one. Each word's first column is its best one."""
    words: list[list[int]] = []
    for col in columns:
        related = [word for word in words if any(vocab.same_word(c, col) for c in word)]
        if not related:
            words.append([col])
            continue
        for other in related[1:]:
            related[0].extend(other)
            words.remove(other)
        related[0].append(col)
    return words


def _first_distinct(words: Iterable[str], n: int) -> list[str]:
    """The first n different words, in order (stops reading once it has them)."""
    seen: dict[str, None] = {}
    for word in words:
        seen.setdefault(word)
        if len(seen) == n:
            break
    return list(seen)
