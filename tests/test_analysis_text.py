"""Text handling: letters survive, languages are told apart, stems group word forms."""

from __future__ import annotations

import pytest

from analysis.text import content_words, guess_language, guess_languages, normalize, tokenize


def test_tokenize_keeps_nordic_letters():
    assert tokenize("Työ ja ÄÄNI, språk Ö-luokka!") == ["työ", "ja", "ääni", "språk", "ö-luokka"]


def test_normalize_joins_composed_and_decomposed_forms():
    assert normalize("  tyo\u0308   ja\n ") == normalize("työ ja")


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
