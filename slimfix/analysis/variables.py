"""The values of ``$VAR`` and ``${VAR}`` in a path, as far as the Dockerfile itself sets
them: ENV in the stage, ARG defaults in the stage (and the global default an ``ARG NAME``
of the stage takes). Anything else (a variable set only by the base image, a modifier such
as ``${VAR:-x}``, a quoted value with escapes) cannot be known: the result is None.

An ARG default can be overridden with ``--build-arg``. Rules that resolve a path through
an ARG therefore ask twice, once with the defaults and once with every ARG replaced by a
placeholder (``args_fixed=False``): when what they derive differs, it depends on the
build argument and they must refuse.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..syntax import Dockerfile, Instruction

if TYPE_CHECKING:
    from ..rules.base import RuleContext

_REF = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_SIMPLE_QUOTED = re.compile(r'^"([^"\\$`]*)"$|^\'([^\'\\]*)\'$')


def _literal(value: str) -> str | None:
    """A value as BuildKit reads it, when that needs no shell-word processing beyond
    one pair of quotes."""
    if not any(c in value for c in "\"'\\"):
        return value
    m = _SIMPLE_QUOTED.match(value)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def expand(text: str, values: dict[str, str | None]) -> str | None:
    """``text`` with its variable references replaced, or None when one is unknown."""
    if "$" not in text:
        return text
    if "\\" in text or re.search(r"\$\{[^}]*[^A-Za-z0-9_}]", text):
        return None  # an escape, or a modifier such as ${VAR:-default}
    failed = False

    def sub(m: re.Match[str]) -> str:
        nonlocal failed
        value = values.get(m.group(1) or m.group(2))
        if value is None:
            failed = True
            return ""
        return value

    out = _REF.sub(sub, text)
    return None if failed or "$" in out else out


def variables_at(doc: Dockerfile, inst: Instruction, *, args_fixed: bool = True) -> dict[str, str | None]:
    """What the stage of ``inst`` has set before it. With ``args_fixed`` False, every ARG
    is a placeholder that stands for "whatever --build-arg says"."""
    global_args: dict[str, str | None] = {}
    values: dict[str, str | None] = {}
    for other in doc.instructions[: inst.index]:
        if other.stage == -1 and other.keyword == "ARG":
            for v in other.values():
                name, eq, default = v.partition("=")
                global_args[name] = _literal(default) if eq else None
        if other.stage != inst.stage:
            continue
        if other.keyword == "ENV":
            vals = other.values()
            for name, value in zip(vals[0::3], vals[1::3]):
                literal = _literal(value)
                values[name] = expand(literal, values) if literal is not None else None
        elif other.keyword == "ARG":
            for v in other.values():
                name, eq, default = v.partition("=")
                if not args_fixed:
                    values[name] = f"__build_arg_{name}__"
                elif eq:
                    literal = _literal(default)
                    values[name] = expand(literal, values) if literal is not None else None
                else:
                    values[name] = global_args.get(name)
    return values


def env_set(ctx: "RuleContext", inst: Instruction, name: str) -> bool:
    """Whether ``name`` is set before ``inst``: by ENV in its stage or in the stages it is
    built FROM (ENV is part of the image), or by an ARG with a default in its own stage
    (ARG values do not reach the stages built from it)."""
    doc = ctx.doc
    stage = doc.stage_of(inst)
    chain = []
    while stage is not None and stage.index not in chain:
        chain.append(stage.index)
        stage = next((s for s in doc.stages if s.name and s.name == stage.base.lower()), None)
    for index, other_stage, setter in ctx.memo("setters", lambda: _setters(doc)).get(name, ()):
        if index < inst.index and (other_stage == inst.stage or (setter == "ENV" and other_stage in chain)):
            return True
    return False


def _setters(doc: Dockerfile) -> dict[str, list[tuple[int, int, str]]]:
    """For each variable: (instruction index, stage, ENV or ARG) of what sets it."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    for other in doc.instructions:
        if other.keyword == "ENV":
            names = other.values()[0::3]
        elif other.keyword == "ARG":
            names = [v.split("=", 1)[0] for v in other.values() if "=" in v]
        else:
            continue
        for n in names:
            found.setdefault(n, []).append((other.index, other.stage, other.keyword))
    return found
