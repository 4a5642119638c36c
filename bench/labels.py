"""The theme labels real-looking workshop notes get: `python bench/labels.py [--backend B]`.

Prints, for the Finnish, Swedish and English notes of tests/data/notes_by_language.csv (each
language as one workshop, automatic number of themes) and for each prompt of the demo
workshops, every theme's label and keywords. There is no score: labels are read, and two runs
are compared with `diff` (docs/analysis.md, "Labels").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.summarize import summarize_themes  # noqa: E402
from bench.language_marks import WORKSHOP_NOTES, read  # noqa: E402
from workshop.demo_notes import NOTES  # noqa: E402


def workshops() -> dict[str, list[str]]:
    """Name → notes: one workshop per language of the test notes, one per demo prompt."""
    rows = read(WORKSHOP_NOTES)
    sets = {
        f"notes, {lang}": [text for text, note_lang in rows if note_lang == lang]
        for lang in "fi sv en".split()
    }
    for lang, notes in NOTES.items():
        for prompt in sorted({prompt for prompt, _, _ in notes}):
            sets[f"demo {lang}, prompt {prompt + 1}"] = [t for p, _, t in notes if p == prompt]
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("auto", "semantic", "lexical"), default="auto")
    backend = parser.parse_args().backend
    for name, notes in workshops().items():
        result = summarize_themes(notes, backend=backend)
        print(f"## {name}: {len(notes)} notes, {result.n_themes} themes ({result.backend})")
        for theme in result.themes:
            print(f"- {theme.label} | {', '.join(theme.keywords)}")
        print()


if __name__ == "__main__":
    main()
