"""A dependency install as slimfix reads it from one command: the manager that runs it, the
manifest files it reads, and why it cannot run before the source tree is copied."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..buildcontext import BuildContext
    from ..rules.base import RuleContext
    from ..shell import SimpleCommand
    from ..syntax import Instruction


@dataclass
class Install:
    """A dependency install: its ecosystem and the manifest files it reads (relative to
    the working directory of the RUN). ``needs_source`` says why it cannot be hoisted."""

    ecosystem: str
    manifests: list[str] = field(default_factory=list)
    needs_source: str | None = None
    ignore_scripts: bool = False
    # It also installs the project itself (from the source): before the source, the same
    # command with this option installs only the dependencies.
    dependencies_only: str | None = None


def looks_local(word: str) -> bool:
    if re.match(r"^[a-z][a-z0-9+.-]*://", word) and not word.startswith("file:"):
        return False  # a URL (git+https://, https://...) is not in the context
    return (word in (".", "..") or word.startswith(("./", "../", "/", "~", "file:"))
            or "/" in word or word.endswith((".whl", ".tar.gz", ".zip", ".tgz")))


def project_install(ecosystem: str, rest: list[str], manifests: list[str], deps_only: tuple[str, ...],
                     add: str, elsewhere: tuple[str, ...]) -> Install:
    """``uv sync`` and ``poetry install``: they install the project too, unless told not
    to (``deps_only``); before the source, ``add`` makes them install only what the lock
    names."""
    found = Install(ecosystem, list(manifests))
    if any(w.split("=", 1)[0] in elsewhere for w in rest):
        found.needs_source = f"`{ecosystem}` is pointed at another project directory"
    elif not any(w in deps_only for w in rest):
        found.dependencies_only = add
    return found


def _never(*_args) -> bool:
    return False


def _no_problem(*_args) -> str | None:
    return None


@dataclass(frozen=True)
class DownloadStep:
    """SF201: a build that downloads its dependencies itself, right after the whole context
    is copied, with no step before it that downloads them: every source edit downloads
    them again. The fix copies the manifests and runs ``command`` before the source."""

    program: str  # how the finding names the build tool
    manifest: str  # the file that cannot be checked without the build context
    missing: str  # what the finding says is missing: "module download step: every source edit ..."
    builds: Callable[["SimpleCommand"], bool]  # a command that builds (and downloads)
    downloads: Callable[["SimpleCommand"], bool]  # an earlier command that downloads already
    command: Callable[[list["SimpleCommand"]], str]  # the download step, for these builds
    install: Callable[[], Install]  # what the download step installs: the manifests it reads
    # the RUN downloads nothing at all (Go's -mod=vendor)
    downloads_nothing: Callable[["RuleContext", "Instruction"], bool] = _never
    # the project needs nothing downloaded (``here`` makes a context path of a project file)
    nothing_to_download: Callable[["BuildContext", Callable[[str], str]], bool] = _never
    # why the download step cannot run before the source, given the files it copies
    problem: Callable[[list[str], "BuildContext"], str | None] = _no_problem
    # why the builds' own options keep the download step from standing in for them
    refuse: Callable[[list["SimpleCommand"]], str | None] = _no_problem


# --- helpers for the modules of build tools (maven, gradle) -------------------------------

def runs(cmd: "SimpleCommand", program: re.Pattern[str]) -> bool:
    """Whether the command's program (its base name: ``./mvnw`` is ``mvnw``) matches."""
    from ..shell.packages import program_words

    argv = program_words(cmd)
    return bool(argv) and argv[0] is not None and bool(program.match(argv[0].rsplit("/", 1)[-1]))


def literal_words(cmd: "SimpleCommand", program: re.Pattern[str]) -> list[str] | None:
    """The command's words from its program on, when the program matches and every word is
    literal; else None."""
    from ..shell.packages import program_words

    argv = program_words(cmd)
    if not runs(cmd, program) or any(a is None for a in argv):
        return None
    return argv


def first_option_problem(builds: list["SimpleCommand"], check: Callable[[list[str]], str | None]) -> str | None:
    """The first reason ``check`` finds in the options of the builds."""
    from ..shell.packages import program_words

    for cmd in builds:
        why = check(program_words(cmd)[1:])
        if why:
            return why
    return None
