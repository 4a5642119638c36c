"""Text handling: letters survive, languages are told apart, stems group word forms."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from analysis import stopwords
from analysis.text import (
    clear_language,
    content_words,
    guess_language,
    guess_languages,
    normalize,
    tokenize,
)


def test_tokenize_keeps_nordic_letters():
    assert tokenize("Työ ja ÄÄNI, språk Ö-luokka!") == ["työ", "ja", "ääni", "språk", "ö-luokka"]


def test_normalize_joins_composed_and_decomposed_forms():
    assert normalize("  tyo\u0308   ja\n ") == normalize("työ ja")


NOTES_BY_LANGUAGE = Path(__file__).parent / "data" / "notes_by_language.csv"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Lisää kieliopetusta maahanmuuttajille", "fi"),
        ("Kahvi loppui taas", "fi"),
        ("Mer språkundervisning för nyanlända", "sv"),
        ("Bättre samarbete mellan myndigheter", "sv"),
        ("More language courses for newcomers", "en"),
        ("", "en"),
    ],
)
def test_guess_language(text, lang):
    assert guess_language(text) == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Vi behöver mer stöd", "sv"),  # marker words
        ("Fler språkkurser", "sv"),  # an å
        ("Työpaikkoja ja koulutusta", "fi"),
        ("More language courses", "en"),
        # Nothing clear: a name, a word anyone writes, one weak cue ("y" inside a word, as
        # in Finnish, and no English ending), a place name. Screens mark none of these.
        ("Lohja", None),
        ("ok", None),
        ("Mystery", None),
        ("Kimppakyydit Lohjalle", None),
        ("", None),
        # Words labels skip but that are no evidence: Swedish "t.ex.", "tack".
        ("Ex offenders", None),
        ("Tack board", None),
    ],
)
def test_clear_language_marks_only_clear_cases(text, lang):
    assert clear_language(text) == lang


def test_workshop_notes_get_no_wrong_language_mark():
    """Short notes as employment-services workshops write them, with names, place names,
    loans and abbreviations ("TE", "per", "15 min", "Ja tack"): unmarked is fine (the
    workshop's language stands), a wrong mark is not."""
    with open(NOTES_BY_LANGUAGE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 300
    marks = [(row["text"], row["lang"], clear_language(row["text"])) for row in rows]
    assert [(text, mark) for text, lang, mark in marks if mark and mark != lang] == []
    assert sum(1 for _, lang, mark in marks if mark == lang) > 80  # and many are marked


def test_the_english_stop_words_are_scikit_learns():
    """The list is written out so that the web process need not import scikit-learn."""
    assert stopwords.ENGLISH >= ENGLISH_STOP_WORDS


def test_the_web_app_marks_languages_without_loading_scikit_learn():
    """2 s and 100 MB more for every server process, only for a word list."""
    probe = (
        "import sys, workshop.app; print('sklearn' in sys.modules, 'analysis.text' in sys.modules)"
    )
    answer = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert answer.stdout.split() == ["False", "True"]


def test_a_workshops_clear_notes_decide_which_languages_the_others_may_be_in():
    # ä and ö vote Finnish, but nothing in this workshop is clearly Finnish.
    swedish = [
        "Längre öppettider",
        "Höjd lön",
        "Mer stöd för unga",
        "Vi behöver mer tid",
        "Söka jobb",
    ]
    assert guess_languages(swedish) == ["sv"] * 5
    # Where both are clearly there, the looser guess stands for the rest.
    mixed = ["Vi behöver mer stöd", "Bussit eivät kulje", "Kahvi loppui taas", "Työkokeilu"]
    assert guess_languages(mixed) == ["sv", "fi", "fi", "fi"]


def test_notes_with_nothing_to_go_by_take_the_workshops_language():
    swedish = ["Fler språkkurser", "asdf", "Bättre samarbete mellan myndigheter", "Anna"]
    assert guess_languages(swedish) == ["sv", "sv", "sv", "sv"]
    assert guess_language("asdf") == "en"  # alone, the fixed default
    mixed = ["Kahvi loppui taas", "ok", "Bussit eivät kulje", "More courses please"]
    assert guess_languages(mixed) == ["fi", "fi", "fi", "en"]
    assert guess_languages(["asdf", "qwerty"]) == ["en", "en"]
    assert guess_languages([]) == []


def test_content_words_stem_per_language_and_drop_stop_words():
    fi = content_words("Työpaikat ja työpaikka määrä", "fi")
    assert [stem for stem, _ in fi] == ["työpaik", "työpaik", "määrä"]
    assert [word for _, word in content_words("och språket är viktigt", "sv")] == [
        "språket",
        "viktigt",
    ]


def test_english_auxiliary_verbs_never_become_label_words():
    words = [word for _, word in content_words("Public transport does not reach workplaces", "en")]
    assert words == ["public", "transport", "reach", "workplaces"]
    assert guess_language("Why did it fail") == "en"


def test_cached_stems_match_snowball():
    import snowballstemmer

    from analysis.text import stem

    for word in ("työpaikat", "työpaikkojen", "työpaikat"):
        assert stem(word, "fi") == snowballstemmer.stemmer("finnish").stemWord(word)
    assert stem("arbetsplatserna", "sv") == snowballstemmer.stemmer("swedish").stemWord(
        "arbetsplatserna"
    )
