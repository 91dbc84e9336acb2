"""Stable identities for findings, so that CI systems can tell a finding they saw before
from a new one: the rule, the file, and the finding's message, not its line number (a
line added above must not make every finding below it "new")."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any


class Fingerprints:
    """Hands out one fingerprint per record; a repeat of the same (rule, file, message)
    gets its occurrence number, so every fingerprint in a report is unique."""

    def __init__(self) -> None:
        self.seen: Counter = Counter()
        self.file: str | None = None

    def __call__(self, rec: dict[str, Any]) -> str:
        if rec["file"] != self.file:  # a file's records come together: only its own are counted
            self.seen.clear()         # (a report over a monorepo stays flat)
            self.file = rec["file"]
        key = f"{rec['code']}\x00{rec['file']}\x00{rec['message']}"
        self.seen[key] += 1
        # surrogatepass: a file name that is not UTF-8 still has one fingerprint.
        return hashlib.sha256(f"{key}\x00{self.seen[key]}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
