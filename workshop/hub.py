"""In-process pub/sub: one bounded queue per connected client.

publish() never waits. A client whose queue is full is too slow to keep up; it
is told to close (code 1013, try again later) and catches up by replaying the
log when it reconnects, so it never stalls the others.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from workshop.events import Event
from workshop.models import Principal

CLOSE_TRY_AGAIN_LATER = 1013  # a slow client, or one connection too many
CLOSE_GONE = 4404  # the workshop was deleted
CLOSE_REMOVED = 1008  # the facilitator removed this participant (the board offers to join again)


@dataclass(frozen=True)
class Close:
    """Put on a queue to make its sender close the connection."""

    code: int
    reason: str


Message = Event | str | Close


@dataclass(eq=False)
class Subscription:
    workshop_id: str
    viewer: Principal
    queue: asyncio.Queue[Message] = field(repr=False)
    closing: bool = False

    def offer(self, message: Message) -> None:
        """Queue a message, or close the subscription when the client lags too far behind."""
        if self.closing:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.close(Close(CLOSE_TRY_AGAIN_LATER, "too slow: reconnect and replay"))

    def close(self, close: Close) -> None:
        self.closing = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(close)


@dataclass
class _Room:
    """One workshop's subscriptions, indexed so that a group's event meets only its group."""

    facilitators: set[Subscription] = field(default_factory=set)
    groups: dict[int, set[Subscription]] = field(default_factory=lambda: defaultdict(set))

    def members(self, viewer: Principal) -> set[Subscription]:
        """The set this viewer's subscriptions belong to: the facilitators or their group."""
        return self.facilitators if viewer.group_id is None else self.groups[viewer.group_id]

    def everyone(self) -> Iterator[Subscription]:
        yield from self.facilitators
        for members in self.groups.values():
            yield from members

    def candidates(self, event: Event) -> Iterator[Subscription]:
        if event.facilitator_only:
            yield from self.facilitators
        elif event.group_id is None or event.shared:
            yield from self.everyone()
        else:
            yield from self.facilitators
            yield from self.groups.get(event.group_id, ())

    def is_empty(self) -> bool:
        return not self.facilitators and not any(self.groups.values())


class Hub:
    def __init__(self, queue_size: int = 1000):
        self.queue_size = queue_size
        self._rooms: dict[str, _Room] = {}

    def subscribe(self, workshop_id: str, viewer: Principal) -> Subscription:
        subscription = Subscription(workshop_id, viewer, asyncio.Queue(self.queue_size))
        room = self._rooms.setdefault(workshop_id, _Room())
        room.members(viewer).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        room = self._rooms.get(subscription.workshop_id)
        if room is None:
            return
        room.members(subscription.viewer).discard(subscription)
        if room.is_empty():
            del self._rooms[subscription.workshop_id]

    def is_watched(self, workshop_id: str) -> bool:
        """Whether any screen has a live connection to the workshop now."""
        return workshop_id in self._rooms

    def connections(self, viewer: Principal) -> int:
        """How many connections this viewer's token has open now."""
        room = self._rooms.get(viewer.workshop_id)
        if room is None:
            return 0
        return sum(s.viewer.actor == viewer.actor for s in room.members(viewer))

    def publish(self, events: list[Event]) -> None:
        for event in events:
            room = self._rooms.get(event.workshop_id)
            if room is None:
                continue
            for subscription in room.candidates(event):
                if event.visible_to(subscription.viewer):
                    subscription.offer(event)

    def send_to_facilitators(self, workshop_id: str, message: str) -> None:
        """Send a message that is not part of the log (presence) to facilitator screens."""
        room = self._rooms.get(workshop_id)
        for subscription in room.facilitators if room else ():
            subscription.offer(message)

    def online_per_group(self, workshop_id: str) -> Counter[int]:
        """People online per group: a participant with two tabs open counts once."""
        room = self._rooms.get(workshop_id)
        if room is None:
            return Counter()
        return Counter(
            {group: len({s.viewer.actor for s in subs}) for group, subs in room.groups.items()}
        )

    def close_actor(self, workshop_id: str, actor: str, reason: str) -> None:
        """Close every connection of one participant (or the facilitator) of a workshop."""
        room = self._rooms.get(workshop_id)
        for subscription in [s for s in room.everyone() if s.viewer.actor == actor] if room else ():
            subscription.close(Close(CLOSE_REMOVED, reason))

    def close_workshop(self, workshop_id: str) -> None:
        room = self._rooms.pop(workshop_id, None)
        for subscription in list(room.everyone()) if room else ():
            subscription.close(Close(CLOSE_GONE, "the workshop was deleted"))
