"""What a theme's label and keywords keep when notes leave it (plain text, no database).

A hidden or deleted note's words must not stay in the label and keywords that screens and
summaries show. Words are matched as keywords hold them, with hyphens ("digitaidot-kurssit")
and apostrophes ("children's"), and by exact form, not by stem: a moderated word must not
stay because another form of it does; the price is a label word that goes while an
inflection remains.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[\w'’-]+")
LABEL_FROM_NOTE_CHARACTERS = 60


def words_still_present(
    label: str, keywords: list[str], texts: list[str], named_by_a_person: bool
) -> tuple[str, list[str]]:
    """(label, keywords) with only the words the theme's remaining note texts contain; a
    label a person gave is kept as it is."""
    present = {word for text in texts for word in _WORD.findall(_folded(text))}
    kept_keywords = [k for k in keywords if _folded(k) in present]
    if not named_by_a_person:
        kept = [word for word in label.split(", ") if _folded(word) in present]
        label = ", ".join(kept or kept_keywords[:1]) or _first_words(texts) or "–"
    return label, kept_keywords


def _folded(text: str) -> str:
    """Composed (NFC) and case-folded, so "Työ" typed as o + combining diaeresis matches."""
    return unicodedata.normalize("NFC", text).casefold()


def _first_words(texts: list[str]) -> str:
    """A stand-in label from the theme's first note, when none of its keywords is left."""
    return " ".join(texts[0].split()[:3])[:LABEL_FROM_NOTE_CHARACTERS] if texts else ""
