"""A manager's download cache as a BuildKit cache mount, described as data (SF610 reads
it; the older families SF601-SF609 have rules of their own). Where the cache lives is found
by ``rules.common.cache_mounts.user_cache``: ``env`` (plus a suffix) when the Dockerfile
sets it, else the folder under the home of the user that runs the RUN."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..rules.base import RuleContext
    from ..shell import SimpleCommand
    from ..syntax import Instruction


def _no_refusal(*_args) -> str | None:
    return None


@dataclass(frozen=True)
class CacheMount:
    program: str  # the program whose later RUNs may share the cache (``unmounted_reader``)
    uses: Callable[["SimpleCommand"], bool]  # a command that downloads into the cache
    folders: tuple[str, ...]  # under the user's home: ".m2/repository"
    env: str | None = None  # the variable that moves them (GRADLE_USER_HOME) ...
    env_suffixes: tuple[str, ...] = ()  # ... and where they are under it ("/caches")
    sharing: str | None = None  # "locked" when two builds must not write at once
    markers: tuple[str, ...] = ()  # parts of a target that show the cache is mounted already
    offline_options: tuple[str, ...] = ()  # options with which nothing is downloaded
    looks_like: re.Pattern[str] = re.compile(r"(?!)")  # the manager in an unreadable RUN
    # why the cache is not where the folders say (an option or variable that moves it)
    refuse: Callable[["RuleContext", "Instruction", list["SimpleCommand"]], str | None] = _no_refusal
