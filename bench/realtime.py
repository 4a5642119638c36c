"""Realtime benchmark: `python bench/realtime.py [--quick] [--skip-bare] [...]`.

Starts the Talkoot server as a subprocess (`workshop.cli serve`, SQLite in a
temporary directory, `TALKOOT_SYNCHRONOUS=FULL`: every ack follows a durable
commit) and drives it from this process over loopback WebSockets, one asyncio
loop. Then it does the same against bench/bare_server.py, a bare Starlette
broadcast server without a database, with the very same client code.

Phases, for each server:
1. connect: one workshop of `--groups` groups; `--participants` join over HTTP
   (spread over loopback source addresses 127.0.0.2, .3, ... because joins are
   rate limited per client address) and open a WebSocket each, plus
   `--facilitators` dashboards holding the facilitator token.
2. steady: `--rate` notes a second for `--duration` seconds, each from a random
   participant (seeded). A note's text and cid are the same unique key; the
   generator keeps key -> monotonic send time, so every `note.added` arriving at
   any recipient gives one delivery latency (post -> that recipient) and the ack
   gives the ack latency. Percentiles are over all (note, recipient) pairs.
3. phase: a facilitator sends `phase.set` `--phase-rounds` times (alternating
   phases, quiet otherwise); each round's latency is send -> `phase.changed` at
   each of the participants + facilitators; p99 over all (round, client) pairs.
4. saturation: every participant keeps `--window` notes outstanding (the next
   one goes as soon as an ack comes back) for `--saturation-seconds`;
   acknowledged notes per second, with CPU use of server and generator. Each
   note still reaches its whole group and every dashboard.
5. lone writers: the same with as many participants each alone in a group (in
   workshops of 100 groups) and no dashboards, so a note has one recipient:
   what the durable writer sustains when fan-out costs little.
6. idle: the active clients leave; `--idle` more participants join another
   workshop and stay connected without a word; server RSS (psutil, of the
   server process alone) before and after.

Before the first phase the bench waits until the server idles (start-up work
such as loading a model in the background is not measured). The generator
shares the 2 cores with the server, and other people's work may share them
too, so CPU use of server, generator and every other process is printed with
each load phase: when the generator nears 100 % of a core, the figures measure
the client as well; when others take more than a quarter of a core, the bench
warns that the run is noisy. Server CPU time per acknowledged note depends
least on such neighbours. Clients offer permessage-deflate as browsers do
(`--no-deflate`: they don't).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parents[1]
GIB = 1024**3
MIB = 1024**2
JOINS_PER_ADDRESS = 1000  # under the server's 1,200 joins a minute per client address
JOINS_IN_FLIGHT = 64
CONNECTS_IN_FLIGHT = 100
ACK_TIMEOUT_SECONDS = 30.0
DRAIN_SECONDS = 5.0
PHASE_ROUND_TIMEOUT_SECONDS = 5.0
PHASE_ROUND_PAUSE_SECONDS = 0.3
ALTERNATING_PHASES = ("ideate", "review")
NOISY_OTHERS_CPU_PCT = 25  # other processes' CPU in a load phase above which a run is noisy

QUICK = {
    "participants": 200,
    "groups": 20,
    "rate": 50,
    "duration": 5.0,
    "saturation_seconds": 5.0,
    "idle": 500,
    "phase_rounds": 5,
}


# ---- measurements ------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class PhaseRound:
    """One phase.set broadcast: when it was sent and when each client saw it."""

    sent_at: float
    expected: int
    latencies: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def seen(self, now: float) -> None:
        self.latencies.append(now - self.sent_at)
        if len(self.latencies) >= self.expected:
            self.done.set()


@dataclass
class Recorder:
    """Timings of one benchmark phase; clients report every relevant frame here."""

    sent_at: dict[str, float] = field(default_factory=dict)
    expected_deliveries: int = 0
    deliveries: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    phase_round: PhaseRound | None = None

    def posted(self, key: str, recipients: int) -> None:
        self.sent_at[key] = time.perf_counter()
        self.expected_deliveries += recipients

    def delivered(self, key: str, now: float) -> None:
        sent_at = self.sent_at.get(key)
        if sent_at is not None:  # a straggler of an earlier phase has no entry
            self.deliveries.append(now - sent_at)

    def acked(self, key: str, now: float) -> None:
        sent_at = self.sent_at.get(key)
        if sent_at is not None:
            self.acks.append(now - sent_at)

    def settled(self) -> bool:
        return (
            len(self.acks) + sum(self.errors.values()) >= len(self.sent_at)
            and len(self.deliveries) >= self.expected_deliveries
        )

    async def drain(self) -> None:
        """Wait (boundedly) until every ack and delivery of what was sent has arrived."""
        deadline = time.perf_counter() + DRAIN_SECONDS
        while not self.settled() and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)


class Probe:
    """The recorder of the phase under way, and unique note keys across phases."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self._keys = itertools.count(1)

    def start(self) -> Recorder:
        self.recorder = Recorder()
        return self.recorder

    def next_key(self) -> str:
        return f"bench-{next(self._keys)}"


class CpuMeter:
    """CPU used over an interval by the server, this generator and every other process.

    In % of one core; "others" is what the rest of the machine took (other
    people's tests on a shared box), so a noisy run can be told apart.
    """

    def __init__(self, server: psutil.Process):
        self.processes = {"server": server, "generator": psutil.Process()}
        self.started = time.perf_counter()
        self.cpu = self._sample()

    def _sample(self) -> dict[str, float]:
        sample = {name: sum(p.cpu_times()[:2]) for name, p in self.processes.items()}
        machine = psutil.cpu_times()
        busy = machine.user + machine.nice + machine.system + machine.irq + machine.softirq
        sample["others"] = busy - sum(sample.values())
        return sample

    def percent(self) -> dict[str, float]:
        elapsed = time.perf_counter() - self.started
        now = self._sample()
        return {f"{name}_cpu_pct": 100 * (now[name] - self.cpu[name]) / elapsed for name in now}


# ---- clients -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """What a client says in its hello, its group (None: a dashboard) and where it posts."""

    hello: dict[str, Any]
    group_id: int | None
    prompt_id: int


class Client:
    """One WebSocket participant or dashboard; reports what it receives to the probe."""

    def __init__(self, identity: Identity, probe: Probe, deflate: bool):
        self.identity = identity
        self.probe = probe
        self.deflate = deflate
        self.ws: ClientConnection | None = None
        self._pending: dict[str, asyncio.Future[str]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def open(self, url: str) -> None:
        self.ws = await connect(
            url,
            open_timeout=30,
            ping_interval=None,
            compression="deflate" if self.deflate else None,
        )
        await self.ws.send(json.dumps(self.identity.hello))
        async with asyncio.timeout(30):
            message = json.loads(await self.ws.recv())
        if message["type"] != "welcome":  # the server answers a hello with welcome or error
            raise RuntimeError(f"hello refused: {message}")
        self._reader = asyncio.create_task(self._read())

    async def send(self, message: dict[str, Any]) -> asyncio.Future[str]:
        """Send a command; the future gets "ack" or the error code."""
        assert self.ws is not None
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._pending[message["cid"]] = future
        await self.ws.send(json.dumps(message))
        return future

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader

    async def _read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                self._handle(json.loads(raw), time.perf_counter())

    def _handle(self, message: dict[str, Any], now: float) -> None:
        recorder = self.probe.recorder
        kind = message.get("type")
        if kind == "note.added":
            recorder.delivered(message["note"]["text"], now)
        elif kind == "phase.changed" and recorder.phase_round is not None:
            recorder.phase_round.seen(now)
        elif kind in {"ack", "error"}:
            cid = str(message.get("cid"))
            answer = "ack" if kind == "ack" else str(message.get("code"))
            if kind == "ack":
                recorder.acked(cid, now)
            else:
                recorder.errors[answer] += 1
            future = self._pending.pop(cid, None)
            if future is not None and not future.done():
                future.set_result(answer)


class Population:
    """Connected clients: participants and facilitator dashboards."""

    def __init__(self, clients: list[Client]):
        self.participants = [c for c in clients if c.identity.group_id is not None]
        self.facilitators = [c for c in clients if c.identity.group_id is None]
        self.everyone = clients
        self._group_sizes = Counter(c.identity.group_id for c in self.participants)

    def recipients(self, sender: Client) -> int:
        """Who gets a note of this sender: its group (itself included) and the dashboards."""
        return self._group_sizes[sender.identity.group_id] + len(self.facilitators)


async def connect_all(
    url: str, identities: Iterable[Identity], probe: Probe, deflate: bool
) -> list[Client]:
    gate = asyncio.Semaphore(CONNECTS_IN_FLIGHT)

    async def one(identity: Identity) -> Client:
        async with gate:
            client = Client(identity, probe, deflate)
            await client.open(url)
            return client

    return list(await asyncio.gather(*(one(identity) for identity in identities)))


async def close_all(clients: Iterable[Client]) -> None:
    await asyncio.gather(*(client.close() for client in clients))


# ---- the servers -------------------------------------------------------------------------


class Target(Protocol):
    """A server the benchmark can start, enrol clients on and post notes to."""

    name: str

    def argv(self, port: int) -> list[str]: ...

    def env(self) -> dict[str, str]: ...

    async def enrol(
        self, base_url: str, participants: int, groups: int, facilitators: int
    ) -> list[Identity]: ...


class TalkootTarget:
    name = "talkoot"

    def __init__(self, workdir: Path):
        self.db_path = workdir / "bench.db"
        self._addresses = (f"127.0.0.{n}" for n in range(2, 255))

    def argv(self, port: int) -> list[str]:
        serve = [sys.executable, "-m", "workshop.cli", "serve"]
        return [*serve, "--port", str(port), "--db", str(self.db_path)]

    def env(self) -> dict[str, str]:
        return {"TALKOOT_SYNCHRONOUS": "FULL", "TALKOOT_NOTES_PER_MINUTE": "1000000"}

    async def enrol(
        self, base_url: str, participants: int, groups: int, facilitators: int
    ) -> list[Identity]:
        """A new workshop, its facilitator dashboards, and participants spread over its groups."""
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            response = await http.post(
                "/api/workshops",
                json={
                    "title": "Realtime benchmark",
                    "language": "en",
                    "prompts": ["Bench?"],
                    "groups": groups,
                },
            )
        response.raise_for_status()
        created = response.json()
        prompt_id = created["prompts"][0]["id"]
        group_ids = [g["id"] for g in created["groups"]]
        dashboard = Identity(
            {"type": "hello", "token": created["facilitator_token"], "since": 0}, None, prompt_id
        )
        placements = [group_ids[i % len(group_ids)] for i in range(participants)]
        joined = await self._join(base_url, created["code"], placements, prompt_id)
        return [dashboard] * facilitators + joined

    async def _join(
        self, base_url: str, code: str, placements: list[int], prompt_id: int
    ) -> list[Identity]:
        gate = asyncio.Semaphore(JOINS_IN_FLIGHT)

        async def one(http: httpx.AsyncClient, group_id: int) -> Identity:
            async with gate:
                response = await http.post("/api/join", json={"code": code, "group_id": group_id})
            response.raise_for_status()
            joined = response.json()
            return Identity(
                {"type": "hello", "token": joined["participant_token"], "since": 0},
                joined["group_id"],
                prompt_id,
            )

        async with contextlib.AsyncExitStack() as stack:
            jobs = []
            for start in range(0, len(placements), JOINS_PER_ADDRESS):
                transport = httpx.AsyncHTTPTransport(local_address=next(self._addresses))
                http = await stack.enter_async_context(
                    httpx.AsyncClient(base_url=base_url, timeout=60, transport=transport)
                )
                jobs += [one(http, g) for g in placements[start : start + JOINS_PER_ADDRESS]]
            return list(await asyncio.gather(*jobs))


class BareTarget:
    name = "bare"

    def __init__(self) -> None:
        self._groups_used = 0  # each enrolment gets groups of its own, as a new workshop would

    def argv(self, port: int) -> list[str]:
        return [sys.executable, str(ROOT / "bench" / "bare_server.py"), "--port", str(port)]

    def env(self) -> dict[str, str]:
        return {}

    async def enrol(
        self, base_url: str, participants: int, groups: int, facilitators: int
    ) -> list[Identity]:
        """No joining: the hello names the group."""
        first_group = self._groups_used + 1
        self._groups_used += groups
        dashboard = Identity({"type": "hello", "token": "f", "since": 0}, None, 1)
        placements = [first_group + i % groups for i in range(participants)]
        return [dashboard] * facilitators + [
            Identity({"type": "hello", "token": f"p{g}", "since": 0, "group_id": g}, g, 1)
            for g in placements
        ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def running(target: Target, log_path: Path) -> AsyncIterator[tuple[str, psutil.Process]]:
    """Start the target's server as a subprocess; yield its base URL and process."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            target.argv(port), cwd=ROOT, stdout=log, stderr=log, env={**os.environ, **target.env()}
        )
    try:
        await wait_until_ready(base_url, process, log_path)
        server = psutil.Process(process.pid)
        await settle(server)
        yield base_url, server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


async def wait_until_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as http:
        for _ in range(240):
            if process.poll() is not None:
                break
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.25)
    tail = log_path.read_text()[-2000:]
    raise RuntimeError(f"the server did not come up (exit code {process.poll()}):\n{tail}")


async def settle(server: psutil.Process) -> None:
    """Wait (at most a minute) until start-up work in the background, such as the theme
    worker loading its model, is done: the server and its child processes together idle
    below 10 % of a core for two seconds running."""
    quiet = 0
    for _ in range(60):
        started, before = time.perf_counter(), tree_cpu_seconds(server)
        await asyncio.sleep(1)
        busy = (tree_cpu_seconds(server) - before) / (time.perf_counter() - started)
        quiet = quiet + 1 if busy < 0.1 else 0
        if quiet == 2:
            return


def tree_cpu_seconds(server: psutil.Process) -> float:
    """CPU seconds used so far by the server and its children (the theme worker)."""
    total = 0.0
    for process in [server, *server.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(process.cpu_times()[:2])
    return total


# ---- phases ------------------------------------------------------------------------------


def note_add(key: str, sender: Client) -> dict[str, Any]:
    return {"type": "note.add", "cid": key, "prompt_id": sender.identity.prompt_id, "text": key}


def latency_figures(prefix: str, seconds: Sequence[float]) -> dict[str, float]:
    return {
        f"{prefix}_{name}_ms": 1000 * percentile(seconds, q)
        for name, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
    }


def delivery_figures(recorder: Recorder) -> dict[str, float]:
    return {
        **latency_figures("delivery", recorder.deliveries),
        **latency_figures("ack", recorder.acks),
        "deliveries": len(recorder.deliveries),
        "deliveries_expected": recorder.expected_deliveries,
        "errors": sum(recorder.errors.values()),
    }


async def steady_phase(
    population: Population, probe: Probe, rate: float, duration: float, rng: random.Random
) -> dict[str, float]:
    """`rate` notes a second from random participants, on a fixed schedule."""
    recorder = probe.start()
    count = int(rate * duration)
    started = time.perf_counter()
    for i in range(count):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sender = rng.choice(population.participants)
        key = probe.next_key()
        recorder.posted(key, population.recipients(sender))
        await sender.send(note_add(key, sender))
    sent_rate = count / (time.perf_counter() - started)
    await recorder.drain()
    return {**delivery_figures(recorder), "sent_per_s": sent_rate}


async def phase_broadcast(population: Population, probe: Probe, rounds: int) -> dict[str, Any]:
    """Time from phase.set to phase.changed at every connected client, round after round."""
    recorder = probe.start()
    facilitator = population.facilitators[0]
    latencies: list[float] = []
    round_max: list[float] = []
    for i in range(rounds):
        this_round = PhaseRound(time.perf_counter(), len(population.everyone))
        recorder.phase_round = this_round
        await facilitator.send(
            {"type": "phase.set", "cid": probe.next_key(), "phase": ALTERNATING_PHASES[i % 2]}
        )
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(this_round.done.wait(), PHASE_ROUND_TIMEOUT_SECONDS)
        latencies += this_round.latencies
        round_max.append(max(this_round.latencies, default=math.inf))
        await asyncio.sleep(PHASE_ROUND_PAUSE_SECONDS)
    figures: dict[str, Any] = latency_figures("phase", latencies)
    figures["phase_seen"] = len(latencies)
    figures["phase_expected"] = rounds * len(population.everyone)
    figures["phase_round_max_ms"] = [round(1000 * m, 1) for m in round_max]
    return figures


async def saturation_phase(
    population: Population, probe: Probe, seconds: float, window: int, server: psutil.Process
) -> dict[str, float]:
    """Every participant keeps `window` notes in flight until time is up."""
    recorder = probe.start()
    deadline = time.perf_counter() + seconds

    async def lane(client: Client) -> None:
        while time.perf_counter() < deadline:
            key = probe.next_key()
            recorder.posted(key, population.recipients(client))
            answer = await client.send(note_add(key, client))
            if await asyncio.wait_for(answer, ACK_TIMEOUT_SECONDS) != "ack":
                return

    meter = CpuMeter(server)
    started = time.perf_counter()
    await asyncio.gather(*(lane(c) for c in population.participants for _ in range(window)))
    elapsed = time.perf_counter() - started
    cpu = meter.percent()
    await recorder.drain()
    acked_per_s = len(recorder.acks) / elapsed
    return {
        **delivery_figures(recorder),
        **cpu,
        "acked_per_s": acked_per_s,
        "server_us_per_note": 1e4 * cpu["server_cpu_pct"] / max(acked_per_s, 1e-9),
    }


@dataclass
class Session:
    """One running server under test, and how to put clients on it."""

    target: Target
    base_url: str
    server: psutil.Process
    probe: Probe
    deflate: bool

    async def populate(self, participants: int, groups: int, facilitators: int) -> Population:
        identities = await self.target.enrol(self.base_url, participants, groups, facilitators)
        ws_url = self.base_url.replace("http://", "ws://") + "/ws"
        return Population(await connect_all(ws_url, identities, self.probe, self.deflate))

    async def lone_writers(self, participants: int) -> Population:
        """Participants each alone in a group, no dashboards: one delivery per note.

        A workshop has at most 100 groups, so they fill as many workshops as needed.
        """
        populations = [
            await self.populate(n, n, 0)
            for n in [100] * (participants // 100) + [participants % 100]
            if n
        ]
        return Population([c for population in populations for c in population.everyone])

    def rss_mib(self) -> float:
        return float(self.server.memory_info().rss / MIB)


async def idle_phase(session: Session, count: int, groups: int) -> dict[str, float]:
    """Server RSS before and after `count` more participants connect and stay silent."""
    rss_before = session.rss_mib()
    idle = await session.populate(count, groups, 0)
    await asyncio.sleep(2)  # let presence updates and buffers settle
    rss_after = session.rss_mib()
    connected = sum(c.ws is not None and c.ws.state.name == "OPEN" for c in idle.everyone)
    await close_all(idle.everyone)
    return {
        "idle_connected": connected,
        "rss_before_idle_mib": rss_before,
        "rss_idle_mib": rss_after,
        "rss_per_idle_kib": 1024 * (rss_after - rss_before) / max(connected, 1),
    }


async def measure(target: Target, args: argparse.Namespace, log_path: Path) -> dict[str, Any]:
    """All phases against one server."""
    results: dict[str, Any] = {}
    async with running(target, log_path) as (base_url, server):
        session = Session(target, base_url, server, Probe(), not args.no_deflate)
        started = time.perf_counter()
        population = await session.populate(args.participants, args.groups, args.facilitators)
        results["connect_s"] = time.perf_counter() - started
        say(
            f"  {target.name}: {len(population.everyone)} connected in {results['connect_s']:.1f} s"
        )

        meter = CpuMeter(server)
        results.update(
            await steady_phase(
                population, session.probe, args.rate, args.duration, random.Random(args.seed)
            )
        )
        results.update({f"steady_{k}": v for k, v in meter.percent().items()})
        results["rss_active_mib"] = session.rss_mib()
        say(f"  {target.name}: steady delivery p99 {results['delivery_p99_ms']:.1f} ms")

        results.update(await phase_broadcast(population, session.probe, args.phase_rounds))
        say(f"  {target.name}: phase change p99 {results['phase_p99_ms']:.1f} ms")

        saturation = await saturation_phase(
            population, session.probe, args.saturation_seconds, args.window, server
        )
        results.update({f"sat_{k}": v for k, v in saturation.items()})
        say(f"  {target.name}: saturation {saturation['acked_per_s']:.0f} acked notes/s")
        await close_all(population.everyone)

        lone = await session.lone_writers(args.participants)
        writer_bound = await saturation_phase(
            lone, session.probe, args.saturation_seconds, args.window, server
        )
        results.update({f"lone_{k}": v for k, v in writer_bound.items()})
        say(f"  {target.name}: lone writers {writer_bound['acked_per_s']:.0f} acked notes/s")
        await close_all(lone.everyone)

        if args.idle:
            results.update(await idle_phase(session, args.idle, args.groups))
            say(f"  {target.name}: idle RSS {results['rss_idle_mib']:.0f} MiB")
    return results


# ---- report ------------------------------------------------------------------------------

# key, label, format
ROWS = [
    ("connect_s", "enrol + connect all (s)", "{:.1f}"),
    ("sent_per_s", "steady: notes sent / s", "{:.1f}"),
    ("delivery_p50_ms", "steady: delivery p50 (ms)", "{:.1f}"),
    ("delivery_p95_ms", "steady: delivery p95 (ms)", "{:.1f}"),
    ("delivery_p99_ms", "steady: delivery p99 (ms)", "{:.1f}"),
    ("delivery_max_ms", "steady: delivery max (ms)", "{:.1f}"),
    ("ack_p50_ms", "steady: ack p50 (ms)", "{:.1f}"),
    ("ack_p99_ms", "steady: ack p99 (ms)", "{:.1f}"),
    ("deliveries", "steady: deliveries received", "{:.0f}"),
    ("deliveries_expected", "steady: deliveries expected", "{:.0f}"),
    ("errors", "steady: error answers", "{:.0f}"),
    ("steady_server_cpu_pct", "steady: server CPU (% of a core)", "{:.0f}"),
    ("steady_generator_cpu_pct", "steady: generator CPU (% of a core)", "{:.0f}"),
    ("steady_others_cpu_pct", "steady: other processes' CPU (%)", "{:.0f}"),
    ("rss_active_mib", "server RSS with the active clients (MiB)", "{:.0f}"),
    ("phase_p50_ms", "phase change: p50 (ms)", "{:.1f}"),
    ("phase_p99_ms", "phase change: p99 (ms)", "{:.1f}"),
    ("phase_max_ms", "phase change: max (ms)", "{:.1f}"),
    ("phase_seen", "phase change: arrivals / expected", "{}"),
    ("phase_round_max_ms", "phase change: max per round (ms)", "{}"),
    ("sat_acked_per_s", "saturation: acked notes / s", "{:.0f}"),
    ("sat_ack_p50_ms", "saturation: ack p50 (ms)", "{:.1f}"),
    ("sat_ack_p99_ms", "saturation: ack p99 (ms)", "{:.1f}"),
    ("sat_delivery_p99_ms", "saturation: delivery p99 (ms)", "{:.1f}"),
    ("sat_errors", "saturation: error answers", "{:.0f}"),
    ("sat_server_us_per_note", "saturation: server CPU per note (us)", "{:.0f}"),
    ("sat_server_cpu_pct", "saturation: server CPU (% of a core)", "{:.0f}"),
    ("sat_generator_cpu_pct", "saturation: generator CPU (% of a core)", "{:.0f}"),
    ("sat_others_cpu_pct", "saturation: other processes' CPU (%)", "{:.0f}"),
    ("lone_acked_per_s", "lone writers: acked notes / s", "{:.0f}"),
    ("lone_ack_p50_ms", "lone writers: ack p50 (ms)", "{:.1f}"),
    ("lone_ack_p99_ms", "lone writers: ack p99 (ms)", "{:.1f}"),
    ("lone_errors", "lone writers: error answers", "{:.0f}"),
    ("lone_server_us_per_note", "lone writers: server CPU per note (us)", "{:.0f}"),
    ("lone_server_cpu_pct", "lone writers: server CPU (% of a core)", "{:.0f}"),
    ("lone_generator_cpu_pct", "lone writers: generator CPU (% of a core)", "{:.0f}"),
    ("lone_others_cpu_pct", "lone writers: other processes' CPU (%)", "{:.0f}"),
    ("idle_connected", "idle: participants connected", "{:.0f}"),
    ("rss_before_idle_mib", "idle: server RSS before (MiB)", "{:.0f}"),
    ("rss_idle_mib", "idle: server RSS with them (MiB)", "{:.0f}"),
    ("rss_per_idle_kib", "idle: RSS per idle connection (KiB)", "{:.0f}"),
]


def cell(results: dict[str, Any] | None, key: str, fmt: str) -> str:
    if results is None or key not in results:
        return "-"
    if key == "phase_seen":
        return f"{results['phase_seen']}/{results['phase_expected']}"
    return fmt.format(results[key])


def goals(ours: dict[str, Any], bare: dict[str, Any] | None) -> list[tuple[str, str, bool | None]]:
    """(goal, measured, met); met None when it was not measured."""
    ratio = ours["delivery_p99_ms"] / bare["delivery_p99_ms"] if bare else math.nan
    idle_rss = ours.get("rss_idle_mib", math.nan)
    rows = [
        (
            "group delivery p99 <= 20 ms",
            f"{ours['delivery_p99_ms']:.1f} ms",
            ours["delivery_p99_ms"] <= 20 and ours["deliveries"] == ours["deliveries_expected"],
        ),
        ("p99 ratio to the bare server <= 2", f"{ratio:.2f}", None if bare is None else ratio <= 2),
        (
            ">= 3,000 acked notes/s, full fan-out",
            f"{ours['sat_acked_per_s']:.0f}/s",
            ours["sat_acked_per_s"] >= 3000,
        ),
        (
            ">= 3,000 acked notes/s, lone writers",
            f"{ours['lone_acked_per_s']:.0f}/s",
            ours["lone_acked_per_s"] >= 3000,
        ),
        (
            "phase change p99 <= 100 ms",
            f"{ours['phase_p99_ms']:.1f} ms",
            ours["phase_p99_ms"] <= 100 and ours["phase_seen"] == ours["phase_expected"],
        ),
        (
            "idle participants in <= 1 GiB RSS",
            f"{idle_rss:.0f} MiB",
            None if math.isnan(idle_rss) else idle_rss * MIB <= GIB,
        ),
    ]
    return rows


def report(args: argparse.Namespace, ours: dict[str, Any], bare: dict[str, Any] | None) -> None:
    width = max(len(label) for _, label, _ in ROWS)
    say("")
    say(f"{'metric':<{width}}  {'talkoot':>12}  {'bare':>12}")
    for key, label, fmt in ROWS:
        say(f"{label:<{width}}  {cell(ours, key, fmt):>12}  {cell(bare, key, fmt):>12}")
    if bare is not None:
        say(
            f"{'delivery p99 ratio talkoot / bare':<{width}}  "
            f"{ours['delivery_p99_ms'] / bare['delivery_p99_ms']:>12.2f}"
        )
    say("")
    say(
        f"Goals ({args.participants} participants in {args.groups} groups, "
        f"{args.facilitators} dashboards, {args.rate:g} notes/s, {args.idle} idle)"
        + ("  [quick run: the goals are set for the full size]" if args.quick else "")
    )
    for goal, measured, met in goals(ours, bare):
        verdict = "not measured" if met is None else ("met" if met else "MISSED")
        say(f"  {goal:<36} {measured:>12}  {verdict}")
    busiest = max(
        value
        for results in (ours, bare or {})
        for key, value in results.items()
        if key.endswith("others_cpu_pct")
    )
    if busiest > NOISY_OTHERS_CPU_PCT:
        say(
            f"WARNING: other processes took up to {busiest:.0f} % of a core during a load phase;"
            " latencies and rates are those of a shared machine, and the ratio compares runs"
            " under different loads. Repeat on a quiet machine."
        )


def say(line: str) -> None:
    print(line, flush=True)


# ---- main --------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=100, help="at most 100 (a workshop's limit)")
    parser.add_argument("--facilitators", type=int, default=5, help="dashboards, 1 to 10")
    parser.add_argument("--rate", type=float, default=100, help="notes a second, steady phase")
    parser.add_argument("--duration", type=float, default=20, help="seconds of steady load")
    parser.add_argument("--phase-rounds", type=int, default=10)
    parser.add_argument("--saturation-seconds", type=float, default=10)
    parser.add_argument(
        "--window", type=int, default=1, help="notes each participant keeps in flight at saturation"
    )
    parser.add_argument(
        "--idle", type=int, default=5000, help="idle participants for the memory phase; 0 skips it"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-deflate",
        action="store_true",
        help="clients do not offer permessage-deflate (browsers do)",
    )
    parser.add_argument("--skip-bare", action="store_true", help="measure Talkoot only")
    quick_sizes = ", ".join(f"{k}={v}" for k, v in QUICK.items())
    parser.add_argument("--quick", action="store_true", help=f"a small smoke run: {quick_sizes}")
    quick = parser.parse_known_args(argv)[0].quick
    if quick:
        parser.set_defaults(**QUICK)
    args = parser.parse_args(argv)
    if not 1 <= args.groups <= 100 or args.facilitators < 1 or args.participants < args.groups:
        parser.error("need 1-100 groups, at least one facilitator and a participant per group")
    return args


def raise_open_file_limit() -> None:
    """Thousands of sockets, each end in this process or its child, need fds."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="talkoot-bench-") as tmp:
        workdir = Path(tmp)
        targets: list[Target] = [TalkootTarget(workdir)]
        if not args.skip_bare:
            targets.append(BareTarget())
        results: dict[str, dict[str, Any]] = {}
        for target in targets:
            say(f"measuring {target.name} ...")
            results[target.name] = await measure(target, args, workdir / f"{target.name}.log")
        report(args, results["talkoot"], results.get("bare"))


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    raise_open_file_limit()
    say(
        f"{os.cpu_count()} CPUs; "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items())
    )
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
