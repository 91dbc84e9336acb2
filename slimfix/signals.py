"""Signals: a per-file time budget, SIGTERM handled as SIGINT, and pool workers that
exit when their parent dies."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Iterator


class OverBudget(BaseException):
    """A file took longer than its time budget. A BaseException, so that no rule's
    ``except Exception`` swallows it."""


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise OverBudget in the block after ``seconds`` (SIGALRM; only in the main
    thread, where a signal can be delivered; elsewhere no limit)."""
    if not seconds or not _can_alarm():
        yield
        return

    def expired(signum, frame):
        raise OverBudget()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
