"""Theme quality, speed and memory on the labelled datasets: `python bench/themes.py [--quick]`.

Semantic embeddings are cached under /tmp (never in the repository) so reruns are quick.
Unsorted notes count as one extra cluster when scoring, so the bucket is never free.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import resource
import sys
import time
import tracemalloc
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, v_measure_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.embed import LexicalEmbedder, get_embedder  # noqa: E402
from analysis.summarize import summarize_themes  # noqa: E402

DATASETS = ("sib200_fi", "sib200_sv", "sib200_en", "banking77_en")
PARALLEL = ("sib200_fi", "sib200_sv", "sib200_en")  # row i is the same sentence in each
CACHE = Path("/tmp/talkoot-bench/embeddings")
SIZES = (100, 1_000, 10_000)


def load(folder: Path, name: str) -> tuple[list[str], list[str]]:
    """Texts and gold labels of one dataset."""
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def semantic_vectors(name: str, texts: list[str]) -> np.ndarray:
    """Embeddings of a dataset, encoded once and then read from the /tmp cache."""
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npy"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, get_embedder("semantic").embed(texts))
    return np.load(path)


def flat_labels(result, n: int) -> np.ndarray:
    """Theme number per note; unsorted notes share the label -1."""
    labels = np.full(n, -1)
    for number, theme in enumerate(result.themes):
        labels[theme.indices] = number
    return labels


def score(result, gold: list[str]) -> str:
    """V-measure / ARI / number of themes of one result."""
    labels = flat_labels(result, len(gold))
    return (
        f"{v_measure_score(gold, labels):.3f} / {adjusted_rand_score(gold, labels):.3f}"
        f" / {result.n_themes}"
    )


def quality(folder: Path, backends: list[str]) -> None:
    """Markdown table: V-measure and ARI at the true k and with automatic k."""
    print("| dataset | backend | true k: V / ARI / k | auto k: V / ARI / k | unsorted |")
    print("| --- | --- | --- | --- | --- |")
    for name in DATASETS:
        texts, gold = load(folder, name)
        for backend in backends:
            options = _options(backend, name, texts)
            true_k = summarize_themes(texts, k=len(set(gold)), **options)
            auto_k = summarize_themes(texts, **options)
            print(
                f"| {name} | {backend} | {score(true_k, gold)} | {score(auto_k, gold)} |"
                f" {len(auto_k.unsorted) / len(texts):.1%} |",
                flush=True,
            )


def mixed_languages(folder: Path, backends: list[str]) -> None:
    """Markdown table: one workshop of the SIB-200 sentences, each in a language drawn at
    random (seed 0), as whole sentences and cut to their first 8 words (note length).

    Themes should follow the 7 topics, not the 3 languages: V-measure against the topics
    (higher is better) and against the languages (lower is better), at the true k.
    """
    print("\n| mixed fi/sv/en set | backend | V topics / ARI / k | V languages |")
    print("| --- | --- | --- | --- |")
    sets = {name: load(folder, name) for name in PARALLEL}
    gold = sets[PARALLEL[0]][1]
    pick = np.random.default_rng(0).integers(0, len(PARALLEL), len(gold))
    langs = [PARALLEL[p][-2:] for p in pick]
    for form, words in (("sentences", None), ("first 8 words", 8)):
        cut = {name: [_first(t, words) for t in sets[name][0]] for name in PARALLEL}
        cached = {
            name: semantic_vectors(name if words is None else f"{name}-first{words}", cut[name])
            for name in PARALLEL
        }
        texts = [cut[PARALLEL[p]][i] for i, p in enumerate(pick)]
        vectors = np.vstack([cached[PARALLEL[p]][i] for i, p in enumerate(pick)])
        for backend in backends:
            options = (
                {"embedder": LexicalEmbedder()}
                if backend == "lexical"
                else {"embedder": get_embedder("semantic"), "embeddings": vectors}
            )
            result = summarize_themes(texts, k=len(set(gold)), **options)
            by_language = v_measure_score(langs, flat_labels(result, len(gold)))
            print(f"| {form} | {backend} | {score(result, gold)} | {by_language:.3f} |", flush=True)


def _first(text: str, words: int | None) -> str:
    """The text, or its first `words` words."""
    return text if words is None else " ".join(text.split()[:words])


def _options(backend: str, name: str, texts: list[str]) -> dict:
    """summarize_themes arguments for a backend (semantic vectors come from the cache)."""
    if backend == "lexical":
        return {"embedder": LexicalEmbedder()}
    return {"embedder": get_embedder("semantic"), "embeddings": semantic_vectors(name, texts)}


def corpus(folder: Path, n: int) -> tuple[list[str], np.ndarray]:
    """n notes (and cached vectors) drawn from all datasets, numbered to stay distinct."""
    pairs = [
        (t, v)
        for name in DATASETS
        for t, v in zip(
            load(folder, name)[0], semantic_vectors(name, load(folder, name)[0]), strict=True
        )
    ]
    picks = [pairs[i % len(pairs)] for i in range(n)]
    texts = [t if i < len(pairs) else f"{t} ({i // len(pairs)})" for i, (t, _) in enumerate(picks)]
    return texts, np.vstack([v for _, v in picks])


def timed(run) -> str:
    """Median wall time of three runs, their median CPU time (s) and traced peak of one (MB).

    CPU time is shown because the machine is shared: under load, wall time mostly measures
    waiting for a core.
    """
    times, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return f"{np.median(times):.2f} ({np.median(cpu):.2f}) / {peak:.0f}"


def speed(folder: Path, sizes: tuple[int, ...]) -> None:
    """Markdown table: seconds and peak memory per size and path."""
    print(
        "\n| notes | semantic, pre-embedded: s (CPU s) / MB | lexical, end to end: s (CPU s) / MB |"
    )
    print("| --- | --- | --- |")
    semantic = get_embedder("semantic")
    for n in sizes:
        texts, vectors = corpus(folder, n)
        sem = timed(partial(summarize_themes, texts, embedder=semantic, embeddings=vectors))
        lex = timed(partial(summarize_themes, texts, embedder=LexicalEmbedder()))
        print(f"| {n:,} | {sem} | {lex} |", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak resident memory of the whole benchmark process: {rss:.0f} MB")
    print(f"Load average at the end (2 cores): {os.getloadavg()[0]:.1f}")


def main() -> None:
    """Parse flags and print both tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    default = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    parser.add_argument("--datasets", type=Path, default=default)
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-note timing")
    args = parser.parse_args()
    quality(args.datasets, ["semantic", "lexical"])
    mixed_languages(args.datasets, ["semantic", "lexical"])
    speed(args.datasets, SIZES[:2] if args.quick else SIZES)


if __name__ == "__main__":
    main()
