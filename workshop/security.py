"""Tokens, join codes and rate limits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

# No 0/O, 1/I/L: a code read off a projector must be typed without doubt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_token() -> str:
    """A bearer token: 192 random bits."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """Tokens are stored only as hashes; a leaked database opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_workshop_id() -> str:
    return secrets.token_hex(8)


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """Accept what people type: lower case, spaces, dashes."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per key: `rate` actions per `per` seconds, bursts up to `burst`."""

    MAX_KEYS = 100_000

    def __init__(
        self,
        rate: float,
        per: float = 60.0,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.refill_per_second = rate / per
        self.burst = burst if burst is not None else rate
        self.clock = clock
        self._buckets: dict[object, _Bucket] = {}

    def allow(self, key: object) -> bool:
        """Take one action from the key's bucket; False (nothing taken) when it is empty."""
        bucket = self._refilled(key)
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def refund(self, key: object) -> None:
        """Give back an action taken with `allow` that did not happen after all."""
        bucket = self._refilled(key)
        bucket.tokens = min(self.burst, bucket.tokens + 1)

    def exhausted(self, key: object) -> bool:
        """Whether the key's bucket is empty now, without taking an action from it."""
        return self._refilled(key).tokens < 1

    def _refilled(self, key: object) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.MAX_KEYS:
                self._forget_full_buckets(now)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.tokens = min(
            self.burst, bucket.tokens + (now - bucket.updated) * self.refill_per_second
        )
        bucket.updated = now
        return bucket

    def _forget_full_buckets(self, now: float) -> None:
        """A bucket that has refilled completely holds no state worth keeping."""
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.refill_per_second < self.burst
        }
