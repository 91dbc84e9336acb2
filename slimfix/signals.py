"""Signals: a per-file time budget, SIGTERM handled as SIGINT, writes that a signal
cannot tear, and pool workers that exit when their parent dies."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Iterator


TIME_BUDGET = 20.0  # seconds per file, for the CLI and the language server: a real Dockerfile takes milliseconds


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
    global _alarm_installed
    if not _alarm_installed:  # once per process: the handler only acts inside a budget
        signal.signal(signal.SIGALRM, _expired)
        _alarm_installed = True
    global _budgets
    _budgets += 1
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _budgets -= 1


_alarm_installed = False
_budgets = 0


def _expired(signum, frame):
    if _budgets:
        raise OverBudget()


_writing = 0  # depth of deferred_termination blocks
_pending: int | None = None  # a signal that came during one


def _terminate_as_interrupt(signum, frame):
    global _pending
    if _writing:
        _pending = signum
        return
    raise KeyboardInterrupt()


def sigterm_as_sigint() -> None:
    """In the main process: SIGTERM stops the run as Ctrl-C does, so that every
    ``finally`` runs (temporary files removed, workers stopped)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate_as_interrupt)
        signal.signal(signal.SIGINT, _terminate_as_interrupt)


_PR_SET_PDEATHSIG = 1


def _exit_now(signum, frame):
    global _pending
    if _writing:
        _pending = signum
        return
    os._exit(128 + signum)


@contextlib.contextmanager
def deferred_termination() -> Iterator[None]:
    """SIGTERM and SIGINT wait while a file is being written (Python runs signal
    handlers in the main thread, between bytecodes: the handlers above see the flag):
    a write is never torn and never leaves its temporary file; the signal takes effect
    right after."""
    global _writing, _pending
    _writing += 1
    try:
        yield
    finally:
        _writing -= 1
        if not _writing and _pending is not None:
            signum, _pending = _pending, None
            handler = signal.getsignal(signum)
            if callable(handler):
                handler(signum, None)


def worker_init() -> None:
    """In a pool worker: exit at once on SIGTERM (writes hold it until they are done, so
    nothing is torn or left behind), and get SIGTERM when the parent dies. SIGINT is the
    parent's to handle; it then stops the workers with SIGTERM."""
    parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_now)
    if not _die_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before we asked to follow it
        os._exit(1)


def _die_with_parent() -> bool:
    """Linux: the kernel sends SIGTERM when the parent exits (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def stop_workers(pool) -> None:
    """Cancel what has not started and send SIGTERM to the workers, which unwind."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except (OSError, AttributeError):
            pass
    for process in processes:
        try:
            process.join(5)
        except (OSError, AttributeError, AssertionError):
            pass
