"""How long the facilitator waits for themes: 500 notes, measured over the WebSocket.

Starts `talkoot serve` as a subprocess (semantic backend unless --backend says
otherwise), posts N notes from participants (the server embeds them as they
arrive), then sends `themes.run` repeatedly and times each run from the send
to the `themes.replaced` event on the facilitator's own connection. The first
run is reported apart: it may still embed notes that arrived last.

    python bench/review.py [--notes 500] [--runs 20] [--backend semantic]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import websockets
from server import start_server

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
PORT = 8731
NOTE_WORDS = 12


def sample_notes(count: int) -> list[str]:
    """Note-length texts in Finnish, Swedish and English from the shared datasets.

    The SIB-200 sentences are encyclopaedic and long; their first words stand in
    for a note (workshop notes run to about ten words).
    """
    texts: list[str] = []
    for name in ("banking77_en.csv", "sib200_fi.csv", "sib200_sv.csv"):
        with open(DATASETS / name, encoding="utf-8") as handle:
            texts += [" ".join(row["text"].split()[:NOTE_WORDS]) for row in csv.DictReader(handle)]
    return random.Random(42).sample(texts, count)


async def hello(token: str) -> websockets.ClientConnection:
    ws = await websockets.connect(f"ws://127.0.0.1:{PORT}/ws", max_size=2**24)
    await ws.send(json.dumps({"type": "hello", "token": token, "since": 0}))
    while json.loads(await ws.recv())["type"] != "welcome":
        pass
    return ws


async def post_notes(base: str, code: str, prompt_id: int, texts: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        people = [(await http.post("/api/join", json={"code": code})).json() for _ in range(25)]
    clients = [await hello(p["participant_token"]) for p in people]
    for index, text in enumerate(texts):
        ws = clients[index % len(clients)]
        await ws.send(
            json.dumps(
                {"type": "note.add", "cid": f"n{index}", "prompt_id": prompt_id, "text": text}
            )
        )
    for ws in clients:
        await ws.close()


async def timed_run(ws: websockets.ClientConnection, prompt_id: int, run: int) -> float:
    started = time.perf_counter()
    await ws.send(json.dumps({"type": "themes.run", "cid": f"run{run}", "prompt_id": prompt_id}))
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "themes.replaced":
            return time.perf_counter() - started
        if message["type"] == "error":
            raise SystemExit(f"themes.run failed: {message}")


async def measure(args: argparse.Namespace) -> None:
    base = f"http://127.0.0.1:{PORT}"
    created = httpx.post(
        f"{base}/api/workshops",
        json={"title": "bench", "language": "fi", "prompts": ["Mitä tarvitaan?"], "groups": 5},
    ).json()
    prompt_id = created["prompts"][0]["id"]
    await post_notes(base, created["code"], prompt_id, sample_notes(args.notes))
    await asyncio.sleep(args.settle)
    facilitator = await hello(created["facilitator_token"])
    first = await timed_run(facilitator, prompt_id, 0)
    times = [await timed_run(facilitator, prompt_id, run) for run in range(1, args.runs + 1)]
    await facilitator.close()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"{args.notes} notes, backend {args.backend}, {args.runs} runs after a first one")
    print(f"first run       {first * 1000:8.0f} ms")
    print(f"median          {statistics.median(times) * 1000:8.0f} ms")
    print(f"p95             {p95 * 1000:8.0f} ms   (goal: <= 1000 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backend", choices=["semantic", "lexical", "auto"], default="semantic")
    parser.add_argument(
        "--settle",
        type=float,
        default=10.0,
        help="seconds to let the server embed arriving notes before timing",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(
            Path(tmp) / "bench.db",
            PORT,
            TALKOOT_THEME_BACKEND=args.backend,
            TALKOOT_NOTES_PER_MINUTE="100000",
        )
        try:
            asyncio.run(measure(args))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
