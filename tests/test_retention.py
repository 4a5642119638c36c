"""TALKOOT_RETENTION_DAYS: workshops deleted by themselves after the retention period.

A workshop's age is set by moving its stored timestamps back: the period is days long.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import httpx

from tests.helpers import connect, create_workshop, join, new_cid
from workshop import retention

LONG_AGO = "2020-01-01T00:00:00.000Z"


def age(db_path: Path, workshop_id: str) -> None:
    """Make a workshop look unchanged since LONG_AGO."""
    with sqlite3.connect(db_path) as conn:
        tables = (("workshops", "id"), ("events", "workshop_id"), ("participants", "workshop_id"))
        for table, column in tables:
            conn.execute(
                f"update {table} set created_at = ? where {column} = ?", [LONG_AGO, workshop_id]
            )
    conn.close()


def workshop_with_notes(url: str, *texts: str) -> dict:
    created = create_workshop(url, language="en")
    person = join(url, created["code"])
    for text in texts:
        posted = httpx.post(
            f"{url}/api/workshops/{created['id']}/notes",
            json={"prompt_id": created["prompts"][0]["id"], "text": text, "cid": new_cid()},
            headers={"Authorization": f"Bearer {person['participant_token']}"},
            timeout=10,
        )
        assert posted.status_code == 201
    return {**created, "person": person}


def exists(url: str, workshop: dict) -> bool:
    answer = httpx.get(
        f"{url}/api/workshops/{workshop['id']}/notes",
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
        timeout=10,
    )
    assert answer.status_code in (200, 401)
    return answer.status_code == 200


def test_a_workshop_past_the_period_is_gone_when_the_server_starts(server_factory, tmp_path):
    db_path = tmp_path / "kept.db"
    first = server_factory(db_path=db_path)
    secret = "Vanhentunut muistiinpano, jonka pitää hävitä"
    old, recent = workshop_with_notes(first.url, secret), workshop_with_notes(first.url, "Uusi")
    first.stop()
    age(db_path, old["id"])
    # An old workshop changed since (its last note just now) is kept too, and so is one that
    # someone joined just now (a join logs no event).
    again = server_factory(db_path=db_path)
    revived = workshop_with_notes(again.url, "Vanha", "Tuore")
    lobby = workshop_with_notes(again.url)
    again.stop()
    age(db_path, revived["id"])
    age(db_path, lobby["id"])
    again = server_factory(db_path=db_path)
    join(again.url, lobby["code"])
    again.stop()
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "update events set created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
            " where workshop_id = ? and seq = (select last_seq from workshops where id = ?)",
            [revived["id"], revived["id"]],
        )
    conn.close()

    server = server_factory(db_path=db_path, retention_days=30)
    assert not exists(server.url, old)
    assert exists(server.url, recent) and exists(server.url, revived) and exists(server.url, lobby)
    assert httpx.post(f"{server.url}/api/join", json={"code": old["code"]}).status_code == 404
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        if path.exists():  # gone from the disk too, as a facilitator's deletion
            assert secret.encode() not in path.read_bytes(), path.name

    # Without the setting nothing goes by itself.
    server.stop()
    age(db_path, recent["id"])
    keeper = server_factory(db_path=db_path)
    assert exists(keeper.url, recent)


def test_the_dashboard_and_the_join_page_state_the_period(server_factory):
    server = server_factory(retention_days=30)
    created = create_workshop(server.url, language="en")
    dashboard = httpx.get(
        f"{server.url}/d/{created['id']}",
        params={"token": created["facilitator_token"], "lang": "en"},
    ).text
    assert "deletes a workshop by itself 30 days after its last change" in dashboard
    join_page = httpx.get(f"{server.url}/j/{created['code']}", params={"lang": "fi"}).text
    assert "viimeistään 30 päivän kuluttua" in join_page

    plain = server_factory()
    created = create_workshop(plain.url, language="en")
    dashboard = httpx.get(
        f"{plain.url}/d/{created['id']}", params={"token": created["facilitator_token"]}
    ).text
    assert 'id="retention-note"' not in dashboard


async def test_the_hourly_sweep_deletes_an_old_workshop_nobody_has_open(
    server_factory, monkeypatch
):
    """An old workshop with a screen open (a lobby waiting, a projector) is in use: it stays."""
    monkeypatch.setattr(retention, "SWEEP_INTERVAL_SECONDS", 0.2)
    server = server_factory(retention_days=1)
    watched = workshop_with_notes(server.url, "Auki")
    unwatched = workshop_with_notes(server.url, "Kiinni")
    board = await connect(server.ws_url, watched["person"]["participant_token"])
    for workshop in (watched, unwatched):
        age(server.settings.db_path, workshop["id"])
    deadline = time.monotonic() + 10
    while exists(server.url, unwatched) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert not exists(server.url, unwatched)
    assert exists(server.url, watched)
    await board.send({"type": "ping"})
    await board.receive_until("pong")  # still open
    await board.close()
