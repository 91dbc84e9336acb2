"""Instruction arguments as BuildKit's line parsers (line_parsers.go) split them."""

from __future__ import annotations

import json
import re

from .nodes import Command
from .text import GO_SPACE, go_lstrip

_KEYWORD_SPLIT = re.compile(r"[\t\v\f\r ]+")


class NotStringArray(ValueError):
    pass


def _reject_constant(name: str):
    raise ValueError(f"not JSON: {name}")  # Go's encoding/json has no NaN/Infinity


def parse_json_array(rest: str) -> list[str] | None:
    """The exec form: a JSON array of strings, or None when ``rest`` is not JSON.

    Raises NotStringArray for valid JSON holding anything but strings (a hard error in
    BuildKit), exactly where invalid JSON silently falls back to the shell form.
    """
    rest = go_lstrip(rest)
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest, parse_constant=_reject_constant)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise NotStringArray("when using JSON array syntax, arrays must be comprised of strings only")
    return value


def parse_words(rest: str, escape: str) -> list[str]:
    """parseWords: whitespace-separated words, quotes kept, escapes kept."""
    words: list[str] = []
    buf: list[str] = []
    phase = "space"
    quote = ""
    blank_ok = False
    i = 0
    n = len(rest)
    while i <= n:
        ch = rest[i] if i < n else ""
        if phase == "space":
            if i == n:
                break
            if ch in GO_SPACE:
                i += 1
                continue
            phase = "word"
        if i == n:
            if blank_ok or buf:
                words.append("".join(buf))
            break
        if phase == "word":
            if ch in GO_SPACE:
                phase = "space"
                if blank_ok or buf:
                    words.append("".join(buf))
                buf = []
                blank_ok = False
                i += 1
                continue
            if ch in "'\"":
                quote, blank_ok, phase = ch, True, "quote"
            if ch == escape:
                if i + 1 == n:
                    i += 1
                    continue
                buf.append(ch)
                i += 1
                ch = rest[i]
            buf.append(ch)
            i += 1
            continue
        # inside quotes
        if ch == quote:
            phase = "word"
        if ch == escape and quote != "'":
            if i + 1 == n:
                phase = "word"
                i += 1
                continue
            i += 1
            buf.append(ch)
            ch = rest[i]
        buf.append(ch)
        i += 1
    return words


def parse_name_values(rest: str, keyword: str, escape: str) -> tuple[str, ...]:
    """ENV and LABEL: ``k=v`` pairs or the legacy ``k v``; mixing them is an error."""
    words = parse_words(rest, escape)
    if not words:
        return ()
    if "=" not in words[0]:
        parts = _KEYWORD_SPLIT.split(rest, maxsplit=1)
        if len(parts) < 2:
            raise ValueError(f"{keyword} must have two arguments")
        return (parts[0], parts[1], "")
    out: list[str] = []
    for word in words:
        if "=" not in word:
            raise ValueError(
                f"Syntax error - can't find = in {json.dumps(word)}. Must be of the form: name=value"
            )
        k, _, v = word.partition("=")
        out += [k, v, "="]
    return tuple(out)


def _whitespace_list(rest: str) -> tuple[str, ...]:
    return tuple(_KEYWORD_SPLIT.split(rest)) if rest else ()


def command_values(cmd: Command, escape: str) -> tuple[str, ...]:
    """The value list BuildKit's dispatcher produces for a command."""
    name = cmd.name
    rest = cmd.args
    if name in ("RUN", "CMD", "ENTRYPOINT", "SHELL"):
        if cmd.json:
            return tuple(cmd.json_values or ())
        return (rest,) if rest else ()
    if name in ("ADD", "COPY", "VOLUME"):
        if cmd.json:
            return tuple(cmd.json_values or ())
        return _whitespace_list(rest)
    if name in ("FROM", "EXPOSE"):
        return _whitespace_list(rest)
    if name in ("ENV", "LABEL"):
        return parse_name_values(rest, name, escape)
    if name == "ARG":
        return tuple(parse_words(rest, escape))
    if name in ("MAINTAINER", "STOPSIGNAL", "USER", "WORKDIR"):
        return (rest,) if rest else ()
    if name == "HEALTHCHECK":
        typ, cmd_rest = split_healthcheck(rest)
        if not typ:
            return ()
        if cmd.json:
            return (typ, *(cmd.json_values or ()))
        return (typ, cmd_rest) if cmd_rest else (typ,)
    if name == "ONBUILD":
        return ()
    return ("",)  # parseIgnore: an unknown keyword yields one empty node


def split_healthcheck(rest: str) -> tuple[str, str]:
    """HEALTHCHECK's type word (NONE or CMD) and the command after it."""
    sep = 0
    while sep < len(rest) and rest[sep] not in GO_SPACE:
        sep += 1
    nxt = sep
    while nxt < len(rest) and rest[nxt] in GO_SPACE:
        nxt += 1
    return rest[:sep], rest[nxt:]
