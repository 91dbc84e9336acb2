"""Colour for a person at a terminal: paths, codes and fix marks in the findings, the
lines of a diff. ``NO_COLOR`` (any value) turns it off, ``FORCE_COLOR`` on, as
no-color.org and most tools agree; files and pipes get none."""

from __future__ import annotations

import os
import re
from typing import IO

_RESET = "\033[0m"
_BOLD, _RED, _GREEN, _YELLOW, _CYAN, _DIM = "\033[1m", "\033[31m", "\033[32m", "\033[33m", "\033[36m", "\033[2m"
_FINDING = re.compile(r"^(?P<where>.+?:\d+:\d+:) (?P<code>SF\d{3}) (?P<message>.*?)(?P<mark> \[\*\]| \[unsafe fix\])?$")


def enabled(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def finding(line: str) -> str:
    """``path:line:col: CODE message [*]``; a note line is dimmed."""
    if line.startswith("    note: "):
        return f"{_DIM}{line}{_RESET}"
    m = _FINDING.match(line)
    if m is None:
        return line
    mark = m.group("mark") or ""
    if mark:
        mark = f" {_CYAN}{mark.strip()}{_RESET}"
    return f"{_BOLD}{m.group('where')}{_RESET} {_RED}{m.group('code')}{_RESET} {m.group('message')}{mark}"


def diff(text: str) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        body, end = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        if line.startswith(("+++", "---")):
            out.append(f"{_BOLD}{body}{_RESET}{end}")
        elif line.startswith("@@"):
            out.append(f"{_CYAN}{body}{_RESET}{end}")
        elif line.startswith("+"):
            out.append(f"{_GREEN}{body}{_RESET}{end}")
        elif line.startswith("-"):
            out.append(f"{_RED}{body}{_RESET}{end}")
        else:
            out.append(line)
    return "".join(out)
