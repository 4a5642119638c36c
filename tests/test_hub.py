"""The hub: who receives what, and a slow client never holds the others back."""

from __future__ import annotations

from workshop.events import NOTE_ADDED, Event
from workshop.hub import CLOSE_TRY_AGAIN_LATER, Close, Hub
from workshop.models import Principal

FACILITATOR = Principal("w1", "facilitator")
LOHJA = Principal("w1", "participant", participant_id=1, group_id=10)
KARKKILA = Principal("w1", "participant", participant_id=2, group_id=20)


def note_event(seq: int, group_id: int = 10, shared: bool = False, hidden: bool = False) -> Event:
    note = {"id": seq, "group_id": group_id, "text": "t", "hidden": hidden}
    return Event("w1", seq, NOTE_ADDED, {"note_id": seq, "note": note}, group_id, shared)


def drain(subscription) -> list:
    items = []
    while not subscription.queue.empty():
        items.append(subscription.queue.get_nowait())
    return items


async def test_events_reach_only_those_who_may_see_them():
    hub = Hub()
    subs = {p: hub.subscribe("w1", p) for p in (FACILITATOR, LOHJA, KARKKILA)}
    other_workshop = hub.subscribe("w2", Principal("w2", "facilitator"))
    hub.publish([note_event(1), note_event(2, shared=True)])
    assert [e.seq for e in drain(subs[FACILITATOR])] == [1, 2]
    assert [e.seq for e in drain(subs[LOHJA])] == [1, 2]
    assert [e.seq for e in drain(subs[KARKKILA])] == [2]
    assert drain(other_workshop) == []


async def test_hidden_notes_are_not_rendered_for_participants():
    event = note_event(1, hidden=True)
    assert event.message_for(LOHJA) is None
    assert '"hidden":true' in str(event.message_for(FACILITATOR))


async def test_a_slow_subscriber_is_closed_and_the_others_keep_receiving():
    hub = Hub(queue_size=5)
    slow, fast = hub.subscribe("w1", LOHJA), hub.subscribe("w1", FACILITATOR)
    for seq in range(1, 20):
        hub.publish([note_event(seq)])
        drain(fast) if seq % 2 else None
    assert drain(slow) == [Close(CLOSE_TRY_AGAIN_LATER, "too slow: reconnect and replay")]
    hub.publish([note_event(20)])
    assert drain(slow) == []
    assert [e.seq for e in drain(fast)][-1] == 20
