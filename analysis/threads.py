"""One BLAS/OpenMP thread while the analysis runs: its matrices are small, and on a shared
machine extra threads only spin (measured: 1,000 notes took 3.8 s of CPU with the default
thread pools under load and 0.4 s with one thread, see docs/analysis.md)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

_lock = threading.Lock()
_active = 0
_limiter: threadpool_limits | None = None


@contextmanager
def single_threaded() -> Iterator[None]:
    """Limit native thread pools to one thread; nested and concurrent uses share one limit.

    The limit is process-wide (that is how the pools work), so it is taken by the first caller
    and lifted by the last one to leave, never in between.
    """
    global _active, _limiter
    with _lock:
        if _active == 0:
            _limiter = threadpool_limits(limits=1)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
