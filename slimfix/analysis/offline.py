"""Whether a RUN works from what is already on disk, without the network.

A cache mount starts empty on a new builder, after a prune, and on a CI runner whose layer
cache comes from a registry (cache mounts are never exported). A command that may
download copes; one told to stay offline (``cargo build --offline``, ``GOPROXY=off``, a
``RUN --network=none``) then fails. The SF6xx rules refuse such a RUN, whatever filled the
cache before it.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from ..shell import SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from ..rules.base import RuleContext
from .variables import env_set


def offline_reason(ctx: RuleContext, inst: Instruction, commands: Iterable[SimpleCommand],
                   options: Iterable[str], env: Mapping[str, str | None]) -> str | None:
    """Why ``commands`` of ``inst`` must not download (None: they may): the RUN's
    ``--network=none``, one of ``options`` on a command (``--offline``, ``--frozen``), or a
    variable of ``env`` (name -> the value that means offline, None for any value) set on
    the command or by ENV/ARG; a value slimfix cannot read counts as offline. An offline
    command after one of ``commands`` that may download (``cargo fetch && cargo build
    --offline``) reads what that one put in the mount, and is fine."""
    for flag in inst.effective.flag("network"):
        if (flag.value or "").lower() == "none":
            return "the RUN has --network=none: it can only read what the cache already holds"
    options = tuple(options)
    fetched = False
    for cmd in commands:
        why = _offline_switch(cmd, options, env)
        if why and not fetched:
            return f"`{cmd.text()}` runs offline ({why}): on an empty cache mount it would fail"
        fetched = fetched or why is None
    for name, offline in env.items():
        if env_set(ctx, inst, name):
            from ..rules.common.cache_mounts import fixed_values

            value = fixed_values(ctx, inst).get(name)
            if offline is None or value is None or value.lower() == offline:
                return f"{name} is set{'' if value is None else ' to ' + value}: the RUN runs offline, and on an " \
                       "empty cache mount it would fail"
    return None


_UNSET = object()


def _offline_switch(cmd: SimpleCommand, options: tuple[str, ...], env: Mapping[str, str | None]) -> str | None:
    """The option or variable that keeps ``cmd`` off the network, if any."""
    for word in program_words(cmd)[1:]:
        if word is not None and (word in options or word.split("=", 1)[0] in options):
            return word
    for name, offline in env.items():
        value = _assigned(cmd, name)
        if value is not _UNSET and (offline is None or value is None or str(value).lower() == offline):
            return name
    return None


def _assigned(cmd: SimpleCommand, name: str) -> object:
    """The literal value of ``NAME=value`` before the program (or through ``env``), None
    when it is not a literal, _UNSET when the command does not set it."""
    from .variables import _literal

    texts = [a.text for a in cmd.assignments] + [w.text for w in cmd.words[:3]]
    for text in texts:
        if text.startswith(name + "="):
            return _literal(text.split("=", 1)[1])
    return _UNSET
