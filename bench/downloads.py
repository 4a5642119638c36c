"""Download benchmark: `python bench/downloads.py [--notes 2000] [--runs 7]`.

Builds a synthetic workshop summary (random.Random(42): 4 prompts x ~12 themes, notes
of realistic length in Finnish and Swedish, some named authors, some actions) and times
workshop.reports.render for every format. "first" includes importing the format's
library and loading fonts; "median" (wall clock) and "cpu" (this process's CPU time,
which other people's load on a shared machine does not inflate) are over --runs further
renders. Goal from the issue: every download of a 2,000-note workshop in <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workshop.reports import FORMATS, render  # noqa: E402
from workshop.reports.model import (  # noqa: E402
    ActionLine,
    NoteLine,
    PromptSection,
    ThemeLine,
    WorkshopSummary,
)

GOAL_SECONDS = 2.0
_WORD_LINES = (
    "työkokeilu palkkatuki nuoret kohtaamo ajanvaraus matala kynnys mentori ohjaus kunta",
    "yritys rekrytointi osaaminen koulutus kieli saavutettavuus etätyö verkosto rahoitus",
    "työnantaja asiakas palvelu yhteistyö kokeilu hakemus jatkuvuus luottamus tieto",
    "sámegiella språkstöd arbetsgivare utbildning förtroende äänekoski vaasa ŋuolja đ ŧ",
)
WORDS = tuple(word for line in _WORD_LINES for word in line.split())
PROMPTS = (
    "Miten palvelut löytävät nuoret?",
    "Mikä estää työllistymistä?",
    "Mitä työnantajat tarvitsevat?",
    "Mitä kokeillaan ensi vuonna?",
)
NAMES = ("Máret Ŋuolja", "Åsa Öberg", "Pekka Mäkelä", "Liisa Häkkinen", "Niillas Đuolla")


def sentence(rng: random.Random) -> str:
    """20-250 characters, sometimes two lines, like sticky notes."""
    words = rng.choices(WORDS, k=rng.choice((3, 5, 8, 12, 20, 30)))
    text = " ".join(words).capitalize()
    return text.replace(" ", "\n", 1) if rng.random() < 0.05 else text


def synthetic_summary(note_count: int = 2000, seed: int = 42) -> WorkshopSummary:
    rng = random.Random(seed)
    groups = [f"Ryhmä {i + 1}" for i in range(20)]
    sections: list[PromptSection] = []
    notes: list[NoteLine] = []
    per_prompt = note_count // len(PROMPTS)
    for p_index, prompt_text in enumerate(PROMPTS, start=1):
        theme_count = rng.randint(10, 14)
        texts = [sentence(rng) for _ in range(per_prompt)]
        assignment = [rng.randrange(-1, theme_count) for _ in texts]  # -1: no theme
        themes = []
        for t_index in range(theme_count):
            members = [text for text, a in zip(texts, assignment, strict=True) if a == t_index]
            label = " ".join(rng.sample(WORDS, 3)).capitalize()
            actions = [
                ActionLine(
                    sentence(rng),
                    rng.choice((None, "Kaupunki", "TE-palvelut")),
                    rng.choice((None, "2027-01-31", "2027-06-30")),
                )
                for _ in range(rng.choice((0, 0, 1, 2)))
            ]
            themes.append(
                ThemeLine(
                    p_index * 100 + t_index,
                    label,
                    rng.sample(WORDS, 5),
                    len(members),
                    rng.randint(0, 40),
                    rng.sample(groups, 4),
                    members[:3],
                    actions,
                )
            )
        themes.sort(key=lambda t: (-t.votes, -t.size, t.label))
        labels = {t.id: t.label for t in themes}
        prompt_notes = []
        for n_index, (text, a) in enumerate(zip(texts, assignment, strict=True)):
            theme_id = p_index * 100 + a if a >= 0 else None
            prompt_notes.append(
                NoteLine(
                    len(notes) + n_index + 1,
                    p_index,
                    rng.choice(groups),
                    text,
                    rng.choice(NAMES) if rng.random() < 0.4 else None,
                    theme_id,
                    labels.get(theme_id) if theme_id is not None else None,
                    f"2026-11-20T{9 + n_index // 600:02d}:{n_index // 10 % 60:02d}:00.000Z",
                )
            )
        notes += prompt_notes
        unsorted = [n for n in prompt_notes if n.theme_id is None]
        sections.append(PromptSection(p_index, prompt_text, themes, unsorted))
    return WorkshopSummary(
        "bench",
        "Työllisyyden kuntakokeilu: verkostotyöpaja",
        "fi",
        "2026-11-20T08:00:00.000Z",
        "2026-11-20T15:00:00.000Z",
        groups,
        120,
        sections,
        notes,
    )


def timed(summary: WorkshopSummary, fmt: str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of this process, and size of one render."""
    wall, cpu = time.perf_counter(), time.process_time()
    size = len(render(summary, fmt).content)
    return time.perf_counter() - wall, time.process_time() - cpu, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    summary = synthetic_summary(args.notes)
    themes = sum(len(p.themes) for p in summary.prompts)
    print(
        f"{len(summary.notes)} notes, {len(summary.prompts)} prompts, {themes} themes; "
        f"median of {args.runs} renders after a first one; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"{'format':<7}{'first ms':>10}{'median ms':>11}{'cpu ms':>8}{'max ms':>8}{'KB':>8}  goal"
    )
    for fmt in FORMATS:
        first, _, size = timed(summary, fmt)
        runs = [timed(summary, fmt) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        verdict = "ok" if wall <= GOAL_SECONDS else "SLOW"
        print(
            f"{fmt:<7}{first * 1000:>10.0f}{wall * 1000:>11.0f}{cpu * 1000:>8.0f}"
            f"{max(r[0] for r in runs) * 1000:>8.0f}{size / 1024:>8.0f}  {verdict}"
        )


if __name__ == "__main__":
    main()
