"""Glob patterns matched in time linear in the path, whatever the pattern.

A pattern translated to a regular expression (``*a*a*a*b`` to ``[^/]*a[^/]*a[^/]*a[^/]*b``)
is matched by backtracking: each further star multiplies the work by the length of the
name, and a .gitignore or .dockerignore line from a repository under review then holds a
run (or a language server) for minutes. Here a pattern is a short program of steps, run
as a set of positions advanced together over the path one character at a time (the way
git's wildmatch avoids backtracking, with the sets remembered as they are met): the work
is at most the pattern's length for each character, and one lookup once a pair of
(positions, character) was seen.

Most lines have a single star (``*.pyc``, ``build*/``, ``**/node_modules``): a regular
expression has only one place to retry then, so its time is linear too, and Python's
engine is faster than a loop over characters; ``compile_glob`` picks it for those.

The two dialects (git's in ``gitignore``, BuildKit's in ``buildcontext.reader``) translate
their patterns to these steps; this module only matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class CharClass:
    """``[...]``: characters and ranges, perhaps negated; ``slash`` says whether ``/`` may
    be one of the matches (never in git's dialect)."""

    chars: frozenset[str]
    ranges: tuple[tuple[str, str], ...]
    negated: bool
    slash: bool

    def __contains__(self, ch: str) -> bool:
        if ch == "/" and not self.slash:
            return False
        hit = ch in self.chars or any(low <= ch <= high for low, high in self.ranges)
        return hit != self.negated


class BadClass(ValueError):
    """A range whose ends are reversed (``[z-a]``)."""


def char_class(body: str, negated: bool, slash: bool) -> CharClass:
    """The members of ``[body]``: ``a-z`` is a range (a ``-`` first or last is itself),
    every other character is itself."""
    chars, ranges, i = set(), [], 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            if low > high:
                raise BadClass(f"bad character range {low}-{high}")
            ranges.append((low, high))
            i += 3
        else:
            chars.add(body[i])
            i += 1
    return CharClass(frozenset(chars), tuple(ranges), negated, slash)


# The steps a pattern is made of.
ONE = "one"              # ``?``: any character but ``/``
STAR = "star"            # ``*``: any run of characters without ``/``
ANYTHING = "anything"    # a trailing ``**``: any run of characters
DIRECTORIES = "dirs"     # ``**/``: zero or more whole directories (``a/b/``)
Step = Union[str, CharClass]  # a one-character string is that character


def compile_glob(steps: list[Step]) -> "Glob | OneStarGlob":
    """The fastest matcher that stays linear in the path for these steps."""
    unbounded = sum(1 for step in steps if step in (STAR, ANYTHING, DIRECTORIES))
    return OneStarGlob(steps) if unbounded <= 1 else Glob(steps)


class OneStarGlob:
    """A pattern with at most one step that reads a run of characters, as a regular
    expression (one place to retry: no backtracking beyond the path's length)."""

    def __init__(self, steps: list[Step]):
        body = "".join(map(_regex, steps))
        self._full = re.compile(body, re.DOTALL).fullmatch
        self._prefix = re.compile(f"(?:{body})(?:/|\\Z)", re.DOTALL).match

    def fullmatch(self, path: str) -> bool:
        return self._full(path) is not None

    def matches_a_prefix(self, path: str) -> bool:
        return self._prefix(path) is not None


def _regex(step: Step) -> str:
    if isinstance(step, CharClass):
        members = "".join(re.escape(c) for c in sorted(step.chars))
        members += "".join(f"{re.escape(low)}-{re.escape(high)}" for low, high in step.ranges)
        if step.negated:
            return f"[^{'' if step.slash else '/'}{members}]"
        return f"[{members}]" if step.slash else f"(?!/)[{members}]"
    return {ONE: "[^/]", STAR: "[^/]*", ANYTHING: ".*", DIRECTORIES: "(?:.*/)?"}.get(step) or re.escape(step)


class Glob:
    """A compiled pattern. ``fullmatch(path)``; ``matches_a_prefix(path)``: whether the
    pattern matches the path or one of its parent folders (``a`` for ``a/b/c``)."""

    _CACHE_LIMIT = 4096  # remembered (positions, character) pairs; beyond, computed anew

    def __init__(self, steps: list[Step]):
        # Positions: one per step, one more inside each DIRECTORIES step (within a name),
        # and the end (a match). A position's ``moves`` read a character; its ``skips``
        # are taken without one.
        self._moves: list[list[tuple[Step, int]]] = []
        self._skips: list[list[int]] = []
        entry = []
        for step in steps:
            entry.append(len(self._moves))
            self._moves.append([])
            self._skips.append([])
            if step == DIRECTORIES:
                self._moves.append([])
                self._skips.append([])
        end = len(self._moves)
        self._moves.append([])
        self._skips.append([])
        for i, step in enumerate(steps):
            here = entry[i]
            after = entry[i + 1] if i + 1 < len(steps) else end
            if step == STAR:
                self._moves[here].append((ONE, here))
                self._skips[here].append(after)
            elif step == ANYTHING:
                self._moves[here].append((ANYTHING, here))
                self._skips[here].append(after)
            elif step == DIRECTORIES:
                inside = here + 1
                self._skips[here].append(after)
                self._moves[here] += [("/", here), (ONE, inside)]
                self._moves[inside] += [("/", here), (ONE, inside)]
            else:
                self._moves[here].append((step, after))
        self._end = end
        start = self._closure({entry[0] if steps else end})
        self._sets: list[frozenset[int]] = [start]
        self._ids: dict[frozenset[int], int] = {start: 0}
        self._next: dict[tuple[int, str], int] = {}
        self.steps_taken = 0  # characters read since compiled (tests check it is linear)

    def _closure(self, positions: set[int]) -> frozenset[int]:
        todo, seen = list(positions), set(positions)
        while todo:
            for nxt in self._skips[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return frozenset(seen)

    def _advance(self, current: int, ch: str) -> int:
        known = self._next.get((current, ch))
        if known is not None:
            return known
        reached = set()
        for position in self._sets[current]:
            for test, target in self._moves[position]:
                if _reads(test, ch):
                    reached.add(target)
        positions = self._closure(reached)
        if len(self._ids) > self._CACHE_LIMIT:  # memory stays bounded; the work stays linear
            self._sets, self._ids, self._next = self._sets[:1], {self._sets[0]: 0}, {}
            current = -1  # not remembered: the sets were renumbered
        number = self._ids.get(positions)
        if number is None:
            number = len(self._sets)
            self._sets.append(positions)
            self._ids[positions] = number
        if current >= 0:
            self._next[(current, ch)] = number
        return number

    def _run(self, path: str, at_boundaries: bool) -> bool:
        current = 0
        for i, ch in enumerate(path):
            if at_boundaries and ch == "/" and self._end in self._sets[current]:
                return True
            self.steps_taken += 1
            current = self._advance(current, ch)
            if not self._sets[current]:
                return False
        return self._end in self._sets[current]

    def fullmatch(self, path: str) -> bool:
        return self._run(path, at_boundaries=False)

    def matches_a_prefix(self, path: str) -> bool:
        return self._run(path, at_boundaries=True)


def _reads(test: Step, ch: str) -> bool:
    if test == ONE:
        return ch != "/"
    if test == ANYTHING:
        return True
    if isinstance(test, CharClass):
        return ch in test
    return test == ch
