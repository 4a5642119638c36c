"""How often notes get a language mark, and how often a wrong one: `python bench/language_marks.py`.

The labelled sets cut to their first 2, 4 and 8 words stand for notes, and so do the workshop
notes of tests/data/notes_by_language.csv (names and numbers among them, language ""), whole.
`clear_language` is what screens mark (lang=""); `guess_language` is the looser guess the
theme labels use.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.text import clear_language, guess_language  # noqa: E402

DATASETS = ("sib200_fi", "sib200_sv", "sib200_en", "banking77_en")
GUESSES = {"clear_language": clear_language, "guess_language": lambda t: guess_language(t, "")}


WORKSHOP_NOTES = Path(__file__).resolve().parents[1] / "tests/data/notes_by_language.csv"


def row(name: str, words: str, notes: list[tuple[str, str]]) -> str:
    """One table row: per guess, the share of notes marked and the share marked wrongly."""
    cells = []
    for guess in GUESSES.values():
        marks = [(guess(text), lang) for text, lang in notes]
        marked = sum(1 for mark, _ in marks if mark)
        wrong = sum(1 for mark, lang in marks if mark and mark != lang)
        cells.append(f"{marked / len(notes):.2f} / {wrong / len(notes):.3f}")
    return f"| {name} | {words} | " + " | ".join(cells) + " |"


def read(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return [(r["text"], r["lang"]) for r in csv.DictReader(f)]


def main(folder: Path) -> None:
    print("| set | words | " + " | ".join(f"{name}: marked / wrong" for name in GUESSES) + " |")
    print("| --- | --- |" + " --- |" * len(GUESSES))
    for name in DATASETS:
        notes = read(folder / f"{name}.csv")
        for words in (2, 4, 8):
            cut = [(" ".join(text.split()[:words]), lang) for text, lang in notes]
            print(row(name, str(words), cut))
    notes = read(WORKSHOP_NOTES)
    for lang in ("fi", "sv", "en", ""):
        print(row(f"workshop notes, {lang or 'none'}", "all", [n for n in notes if n[1] == lang]))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared/datasets"))
