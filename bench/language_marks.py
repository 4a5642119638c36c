"""How often notes get a language mark, and how often a wrong one: `python bench/language_marks.py`.

The labelled sets cut to their first 2, 4 and 8 words stand for notes. `clear_language` is what
screens mark (lang=""); `guess_language` is the looser guess the theme labels use.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.text import clear_language, guess_language  # noqa: E402

DATASETS = ("sib200_fi", "sib200_sv", "sib200_en", "banking77_en")
GUESSES = {"clear_language": clear_language, "guess_language": lambda t: guess_language(t, "")}


def main(folder: Path) -> None:
    print("| set | words | " + " | ".join(f"{name}: marked / wrong" for name in GUESSES) + " |")
    print("| --- | --- |" + " --- |" * len(GUESSES))
    for name in DATASETS:
        with open(folder / f"{name}.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for words in (2, 4, 8):
            cells = []
            for guess in GUESSES.values():
                marks = [(guess(" ".join(r["text"].split()[:words])), r["lang"]) for r in rows]
                marked = sum(1 for mark, _ in marks if mark)
                wrong = sum(1 for mark, lang in marks if mark and mark != lang)
                cells.append(f"{marked / len(rows):.2f} / {wrong / len(rows):.3f}")
            print(f"| {name} | {words} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared/datasets"))
