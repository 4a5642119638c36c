"""In-process pub/sub: one bounded queue per connected client.

publish() never waits. A client whose queue is full is too slow to keep up; it
is told to close (code 1013, try again later) and catches up by replaying the
log when it reconnects, so it never stalls the others.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from workshop.events import Event
from workshop.models import Principal

CLOSE_SLOW = 1013
CLOSE_GONE = 4404  # the workshop was deleted


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
            self.close(Close(CLOSE_SLOW, "too slow: reconnect and replay"))

    def close(self, close: Close) -> None:
        self.closing = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(close)


class Hub:
    def __init__(self, queue_size: int = 1000):
        self.queue_size = queue_size
        self._subscriptions: dict[str, set[Subscription]] = defaultdict(set)

    def subscribe(self, workshop_id: str, viewer: Principal) -> Subscription:
        subscription = Subscription(workshop_id, viewer, asyncio.Queue(self.queue_size))
        self._subscriptions[workshop_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self._subscriptions.get(subscription.workshop_id)
        if subscribers is None:
            return
        subscribers.discard(subscription)
        if not subscribers:
            del self._subscriptions[subscription.workshop_id]

    def publish(self, events: list[Event]) -> None:
        for event in events:
            for subscription in self._subscriptions.get(event.workshop_id, ()):
                if event.visible_to(subscription.viewer):
                    subscription.offer(event)

    def send_to_facilitators(self, workshop_id: str, message: str) -> None:
        """Send a message that is not part of the log (presence) to facilitator screens."""
        for subscription in self._subscriptions.get(workshop_id, ()):
            if subscription.viewer.is_facilitator:
                subscription.offer(message)

    def online_per_group(self, workshop_id: str) -> Counter[int]:
        return Counter(
            s.viewer.group_id
            for s in self._subscriptions.get(workshop_id, ())
            if s.viewer.group_id is not None
        )

    def close_workshop(self, workshop_id: str) -> None:
        for subscription in list(self._subscriptions.pop(workshop_id, ())):
            subscription.close(Close(CLOSE_GONE, "the workshop was deleted"))

    def subscriber_count(self) -> int:
        return sum(len(subs) for subs in self._subscriptions.values())
