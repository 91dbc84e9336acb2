"""BuildKit's parser (the `dockerfile` package, BuildKit v0.12.5 inside) as a test oracle.

``compare(text)`` says where slimfix's reading of a Dockerfile differs from BuildKit's.
The oracle's documented quirks (DOCKERFILE-GRAMMAR.md §10) are normalised away:
values truncated at a NUL byte, ENV/LABEL without separators, ONBUILD heredoc bodies
dropped, trailing text after a JSON array ignored (current BuildKit rejects the JSON
there and falls back to the shell form, as slimfix does), no ``<< EOF`` with a space.
BuildKit's flag and HEALTHCHECK splitters walk bytes, not characters, so non-ASCII text
there comes out as mojibake (or invalid UTF-8 that the wrapper cannot decode): such
instructions are not compared.
"""

from __future__ import annotations

import json
import re

import dockerfile

from slimfix.syntax import Dockerfile, parse
from slimfix.syntax.arguments import split_healthcheck

_SPACED_HEREDOC = re.compile(r"<<-?([ \t]|[\\`][ \t]*\r?\n)")  # also a space made by a continuation


def _nul(v: str) -> str:
    return v.split("\x00", 1)[0]


def buildkit_view(text: str) -> list[tuple]:
    """Raises whatever the oracle raises for input it rejects. A continuation that runs
    into the end of the file with nothing on it makes a node with no keyword (BuildKit's
    dispatcher rejects it later, as any unknown instruction): its keyword is ``""``."""
    return [
        ((c.cmd or "").upper(), (c.sub_cmd or "").upper() or None, c.json, c.start_line, c.end_line,
         tuple(c.flags), tuple(_nul(v) for v in c.value),
         tuple((h.name, h.content) for h in c.heredocs) if not c.sub_cmd else ())
        for c in dockerfile.parse_string(text)
    ]


def _trailing_json(args: str) -> bool:
    """JSON followed by more text: v0.12.5 reads the JSON, current BuildKit does not."""
    s = args.lstrip()
    if not s.startswith("["):
        return False
    try:
        json.loads(s)
        return False
    except ValueError:
        pass
    try:
        value, _ = json.JSONDecoder().raw_decode(s)
    except ValueError:
        return False
    return isinstance(value, list)


def slimfix_view(doc: Dockerfile) -> list[tuple | None]:
    out: list[tuple | None] = []
    for inst in doc.instructions:
        c = inst.command
        text = inst.logical.text
        byte_wise = text[c.keyword_span.end : c.args_span.start]
        if c.sub:
            byte_wise += text[c.sub.keyword_span.end : c.sub.args_span.start]
        if inst.effective.name == "HEALTHCHECK":
            byte_wise += inst.effective.args
        json_part = inst.effective.args
        if inst.effective.name == "HEALTHCHECK":
            json_part = split_healthcheck(json_part)[1]
        if _trailing_json(json_part) or not byte_wise.isascii():
            out.append(None)
            continue
        values = inst.values()
        if inst.effective.name in ("ENV", "LABEL"):
            values = tuple(v for i, v in enumerate(values) if i % 3 != 2)
        out.append((c.name, c.sub.name if c.sub else None, inst.is_json or bool(c.sub and c.sub.json),
                    inst.start_line, inst.end_line, tuple(f.text for f in c.flags),
                    tuple(_nul(v) for v in values),
                    tuple((h.name, h.content) for h in inst.heredocs) if not c.sub else ()))
    return out


def comparable(text: str) -> bool:
    return not _SPACED_HEREDOC.search(text) and "# check=" not in text


def compare(text: str, doc: Dockerfile | None = None) -> str | None:
    """None when BuildKit reads ``text`` as slimfix does, else a description."""
    doc = doc or parse(text)
    theirs = buildkit_view(text)
    ours = slimfix_view(doc)
    if len(theirs) != len(ours):
        return f"{len(ours)} instructions, BuildKit {len(theirs)}"
    for a, b in zip(ours, theirs):
        if a is not None and a != b:
            return f"slimfix {a!r} / BuildKit {b!r}"
    return None
