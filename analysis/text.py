"""Text handling for notes: normalising, a cheap fi/sv/en language guess, tokens and stems."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence

import snowballstemmer

from analysis import stopwords

LANGUAGES = ("fi", "sv", "en")
_SNOWBALL_NAMES = {"fi": "finnish", "sv": "swedish", "en": "english"}

# Letters only (any script, so ä ö å survive), optionally joined by - or ' ("TE-toimisto", "don't").
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SPACE = re.compile(r"\s+")

# Short, frequent words that tell the three languages apart (shared words left out): these,
# plus every stop word that only one of the languages has ("och", "että", "the").
_HAND_PICKED_MARKERS = {
    "fi": frozenset(
        "ja ei että se ne kun mutta myös tai oli ovat olla tämä joka jos niin vain kanssa "
        "pitää voisi olisi hyvä meidän enemmän liian taas paljon aina".split()
    ),
    "sv": frozenset(
        "och är att det som ett inte med för på av till har kan vi ska också eller från "
        "om bra mer behöver måste finns våra mellan bättre många mycket någon".split()
    ),
    "en": frozenset(
        "the and is are to of in for with that this it not we be or have can should more "
        "our need too".split()
    ),
}
_MARKER_WORDS = {
    lang: _HAND_PICKED_MARKERS[lang]
    | stopwords.BY_LANGUAGE[lang].difference(
        *(stopwords.BY_LANGUAGE[other] for other in LANGUAGES if other != lang)
    )
    for lang in LANGUAGES
}
_MARKER_SUFFIXES = {
    "fi": (
        "ssa",
        "ssä",
        "sta",
        "stä",
        "lla",
        "llä",
        "lta",
        "ltä",
        "lle",
        "ksi",
        "nen",
        "ään",
        "aan",
        "iin",
        "ita",
        "itä",
        "uu",
        "yy",
        "ää",
        "ja",
        "jä",
        "ui",
        "oi",
        "ei",
    ),
    "sv": (
        "het",
        "tion",
        "ning",
        "ligt",
        "arna",
        "erna",
        "orna",
        "ande",
        "ende",
        "skap",
        "ter",
        "ar",
        "or",
    ),
    "en": ("ing", "tion", "ness", "ment", "ly", "ed", "ies"),
}


MAX_WORD_CHARS = 40  # Finnish compounds reach about 35 ("lähipalvelukeskusverkostoyhteistyö")


def normalize(text: str) -> str:
    """Canonical form of a note (NFC, single spaces, trimmed): the key for caches and dedup."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def tokenize(text: str) -> list[str]:
    """Lowercase words of a note, keeping ä, ö, å and other letters intact."""
    return _WORD.findall(normalize(text).lower())


# Marker words that notes in the other languages use too: Latin and abbreviations ("per
# valmentaja", "ansökan via nätet", "15 min", "TE-palvelut" written "TE"), and words that are
# one language's function word and another's noun ("man", Finnish "sen" / Swedish "sen").
_SHARED_IN_NOTES = frozenset("per via etc co eg ie re un te min man sen".split())
# Finnish "ja" (and) is Swedish "ja" (yes), English "no" is spoken Finnish ("No niin"): they
# count half.
_HALF_IN_NOTES = frozenset({"ja", "no"})


@functools.lru_cache(maxsize=200_000)
def _word_votes(word: str, strict: bool = False) -> tuple[tuple[str, float], ...]:
    """How strongly one lowercase word points at each language (cached, so immutable).

    `strict` (for marking a note on screen) leaves out the cues that names and loans carry
    too: marker words shared in notes, a "y" inside a word ("employers"), and it counts "ja",
    "no" and an å ("Åsa", "Åbo") as weaker cues.
    """
    votes = {lang: 0.0 for lang in LANGUAGES}
    if strict and word in _SHARED_IN_NOTES:
        return tuple(votes.items())
    for lang in LANGUAGES:
        if word in _MARKER_WORDS[lang]:
            votes[lang] += 1.0 if strict and word in _HALF_IN_NOTES else 2.0
        elif len(word) > 4 and word.endswith(_MARKER_SUFFIXES[lang]):
            votes[lang] += 0.5
    if "å" in word:
        votes["sv"] += 1.0 if strict else 2.0
    elif "ä" in word or "ö" in word or ("y" in word[1:-1] and not strict):
        votes["fi"] += 0.5
    return tuple(votes.items())


def guess_language(text: str, default: str = "en") -> str:
    """Best guess among fi, sv and en from marker words, endings and letters (no model)."""
    return _best_language(text) or default


PRESENT_SHARE = 0.03  # of the clearly marked notes, for a language to count as present


def guess_languages(texts: Sequence[str]) -> list[str]:
    """Each note's language, seen in its workshop.

    A note's clear language (`clear_language`) where it has one. Else the looser guess, but
    only for a language that PRESENT_SHARE of the clear notes are in: in a Swedish workshop,
    "Längre öppettider" votes Finnish for its ä and ö (45 % of short Swedish workshop notes
    were guessed wrong so). Where no note is clear, every language counts as present. A note
    with nothing to go by ("asdf", a name) gets the most common language of the others rather
    than a fixed default.
    """
    clear = [clear_language(text) for text in texts]
    known = Counter(lang for lang in clear if lang)
    marked = sum(known.values())
    present = {lang for lang, n in known.items() if n >= PRESENT_SHARE * marked} or set(LANGUAGES)
    found = [
        lang or _present(_best_language(text), present)
        for lang, text in zip(clear, texts, strict=True)
    ]
    seen = Counter(lang for lang in found if lang)
    common = seen.most_common(1)[0][0] if seen else "en"
    return [lang or common for lang in found]


def _present(lang: str | None, present: set[str]) -> str | None:
    return lang if lang in present else None


def clear_language(text: str) -> str | None:
    """The text's language when its words leave little doubt, else None.

    For marking a note's language on screen (lang=""), where a wrong mark makes a screen
    reader read it with the wrong voice: the best language needs 2 votes of the strict kind
    (`_word_votes`) and twice the votes of the next. It marks 15-39 % of short workshop notes
    and none wrongly (tests/data/notes_by_language.csv; docs/analysis.md).
    """
    totals = _votes(text, strict=True)
    (best, first), (_, second) = sorted(totals.items(), key=lambda vote: -vote[1])[:2]
    return best if first >= 2 and first >= 2 * second else None


def _best_language(text: str) -> str | None:
    """The language the text's words vote for most (English on a tie), None without votes."""
    totals = _votes(text)
    best = max(LANGUAGES, key=lambda lang: (totals[lang], lang == "en"))
    return best if totals[best] > 0 else None


def _votes(text: str, strict: bool = False) -> dict[str, float]:
    totals = {lang: 0.0 for lang in LANGUAGES}
    for word in tokenize(text):
        for lang, vote in _word_votes(word, strict):
            totals[lang] += vote
    return totals


_local = threading.local()


def _stemmer(lang: str) -> snowballstemmer.basestemmer.BaseStemmer:
    """One Snowball stemmer per language and thread: a stemmer keeps state while it works."""
    cache = _local.__dict__.setdefault("stemmers", {})
    if lang not in cache:
        cache[lang] = snowballstemmer.stemmer(_SNOWBALL_NAMES[lang])
    return cache[lang]


def content_words(text: str, lang: str) -> list[tuple[str, str]]:
    """(stem, surface word) pairs of a note's non-stop words, stemmed in its language.
    Longer runs of letters than any real word ("öööö…", a pasted hash) are no keywords."""
    stop = stopwords.FOR_LABELS[lang]
    return [
        (stem(w, lang), w) for w in tokenize(text) if 1 < len(w) <= MAX_WORD_CHARS and w not in stop
    ]


@functools.lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    """Snowball stem of one lowercase word, cached: notes repeat words, stemming is slow."""
    stemmed: str = _stemmer(lang).stemWord(word)  # snowballstemmer ships no type hints
    return stemmed
